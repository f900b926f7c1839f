//! Interface copy keyed by (key, reading level). Levels 1-2 are plain language, 3 is
//! standard, 4-5 may add detail. A missing level falls back to the nearest one, moving
//! away from the standard level first (so level 2 gets plain copy, level 4 detailed copy).

/// (key, level, text). Every key has a level-3 entry (checked by a test).
const COPY: &[(&str, u8, &str)] = &[
    ("site.tagline", 3, "Video and community, made deaf-first"),
    ("skip", 3, "Skip to main content"),
    ("nav.label", 3, "Main"),
    ("nav.home", 3, "Home"),
    ("nav.account", 3, "Your account"),
    ("nav.preferences", 3, "Preferences"),
    ("nav.login", 3, "Sign in"),
    ("nav.register", 3, "Create an account"),
    ("nav.logout", 3, "Sign out"),
    (
        "footer.text",
        3,
        "PinkFlow is built to work with screen readers, keyboards, captions and sign language.",
    ),
    (
        "footer.text",
        1,
        "PinkFlow works with screen readers, keyboards and sign language.",
    ),
    ("footer.developers", 3, "API for developers"),
    // Developers (the API reference)
    ("dev.title", 3, "API for developers"),
    ("dev.heading", 3, "The PinkFlow API"),
    (
        "dev.lead",
        3,
        "Every endpoint of the JSON API: what to send, what comes back, and a curl example you can copy.",
    ),
    (
        "dev.lead",
        1,
        "How programs can talk to PinkFlow. Each part below is one thing a program can ask for.",
    ),
    (
        "dev.document",
        3,
        "The same information, as an OpenAPI 3.1 document for tools, is at",
    ),
    (
        "dev.auth",
        3,
        "Sign in with POST /api/auth/login to get an access token, then send it as Authorization: Bearer followed by the token. Access tokens expire; use the refresh token with POST /api/auth/refresh to get a new pair.",
    ),
    (
        "dev.errors",
        3,
        "Errors are JSON: an error message, and a fields object naming each invalid value. Too many requests get status 429 with a Retry-After header in seconds.",
    ),
    ("dev.contents", 3, "Endpoints"),
    (
        "dev.needs_token",
        3,
        "Needs an access token (Authorization: Bearer).",
    ),
    ("dev.no_token", 3, "No token needed."),
    ("dev.body", 3, "Request body (JSON)"),
    ("dev.body_optional", 3, "Request body (JSON, optional)"),
    ("dev.field", 3, "Field"),
    ("dev.type", 3, "Type"),
    ("dev.required", 3, "Required"),
    ("dev.rules", 3, "Rules"),
    ("dev.yes", 3, "Yes"),
    ("dev.no", 3, "No"),
    ("dev.responses", 3, "Responses"),
    ("dev.status", 3, "Status"),
    ("dev.meaning", 3, "Meaning"),
    ("dev.example", 3, "Example"),
    // Home
    ("home.heading", 3, "Welcome to PinkFlow"),
    ("home.heading", 1, "Welcome"),
    (
        "home.lead",
        3,
        "PinkFlow is a video platform designed first for deaf and hard-of-hearing people. Every page adapts to how you like to read and see.",
    ),
    (
        "home.lead",
        1,
        "PinkFlow is a video site for deaf people. You can change how it looks.",
    ),
    (
        "home.detail",
        4,
        "Your preferences control the layout density, the reading level of the text, the colour contrast, whether anything moves, and which sign language you see first. Signed out, they are kept in a cookie on this device; signed in, they follow your account.",
    ),
    ("home.detail", 3, ""),
    ("home.start", 3, "Create an account"),
    ("home.signin", 3, "Sign in"),
    ("home.prefs", 3, "Change how PinkFlow looks"),
    ("home.prefs", 1, "Change how it looks"),
    // Sign in
    ("login.heading", 3, "Sign in"),
    (
        "login.lead",
        3,
        "Sign in with the email address and password you used to create your account.",
    ),
    ("login.lead", 1, "Type your email and password."),
    ("login.email", 3, "Email address"),
    ("login.email", 1, "Email"),
    ("login.password", 3, "Password"),
    ("login.submit", 3, "Sign in"),
    ("login.no_account", 3, "No account yet?"),
    (
        "login.failed",
        3,
        "Invalid credentials. Check your email address and password, then try again.",
    ),
    (
        "login.failed",
        1,
        "Invalid credentials. The email or password is wrong. Try again.",
    ),
    (
        "login.throttled",
        3,
        "Too many failed sign-in attempts for this account. For your security, try again in",
    ),
    (
        "login.throttled",
        1,
        "Too many wrong tries. Wait, then try again in",
    ),
    (
        "login.registered",
        3,
        "Your account has been created. You can now sign in.",
    ),
    ("login.registered", 1, "Your account is ready. Now sign in."),
    (
        "session.lost",
        3,
        "We could not read your session just now because of a problem on our side, so you have been signed out. If you were signed in, please sign in again.",
    ),
    (
        "session.lost",
        1,
        "Something went wrong on our side and you were signed out. Please sign in again.",
    ),
    // Register
    ("register.heading", 3, "Create an account"),
    ("register.heading", 1, "Make an account"),
    (
        "register.lead",
        3,
        "You need an account to keep your preferences on every device.",
    ),
    ("register.lead", 1, "An account keeps your settings."),
    ("register.email", 3, "Email address"),
    ("register.email", 1, "Email"),
    (
        "register.email.hint",
        3,
        "We will only use this to sign you in.",
    ),
    ("register.email.hint", 1, "You use this to sign in."),
    ("register.username", 3, "Username"),
    (
        "register.username.hint",
        3,
        "3 to 32 characters: letters, numbers, underscores (_) and hyphens (-).",
    ),
    (
        "register.username.hint",
        1,
        "3 to 32 letters or numbers. You can use _ and -.",
    ),
    ("register.password", 3, "Password"),
    (
        "register.password.hint",
        3,
        "At least 8 characters and no more than 72 bytes.",
    ),
    (
        "register.password.hint",
        1,
        "8 or more letters, numbers or signs.",
    ),
    (
        "register.password.hint",
        5,
        "At least 8 characters and no more than 72 bytes (about 72 letters, fewer with accents or emoji). A longer phrase of ordinary words is easier to remember and harder to guess.",
    ),
    ("register.sign_language", 3, "Sign language"),
    (
        "register.sign_language.hint",
        3,
        "The sign language you would like to see first.",
    ),
    (
        "register.sign_language.hint",
        1,
        "The sign language you use.",
    ),
    ("register.submit", 3, "Create account"),
    ("register.have_account", 3, "Already have an account?"),
    // Account
    ("account.heading", 3, "Your account"),
    ("account.lead", 3, "You are signed in."),
    ("account.signed_in_as", 3, "You are signed in as"),
    ("account.details", 3, "Your details"),
    ("account.email", 3, "Email address"),
    ("account.email", 1, "Email"),
    ("account.username", 3, "Username"),
    ("account.last_login", 3, "Last sign-in"),
    ("account.prefs", 3, "Your preferences"),
    ("account.prefs", 1, "How PinkFlow looks for you"),
    ("account.change", 3, "Change your preferences"),
    ("account.change", 1, "Change"),
    ("account.setting", 3, "Setting"),
    ("account.value", 3, "Your choice"),
    (
        "account.detail",
        4,
        "Your preferences are stored with your account and apply on every device you sign in on. Signing out keeps them on this device too.",
    ),
    ("account.detail", 3, ""),
    // Preferences
    ("prefs.step", 3, "Question {n} of {total}"),
    ("prefs.continue", 3, "Save and continue"),
    ("prefs.continue", 1, "Save and go on"),
    ("prefs.previous", 3, "Previous question"),
    ("prefs.previous", 1, "Back"),
    ("prefs.all", 3, "Show all questions on one page"),
    ("prefs.all", 1, "See all questions at once"),
    ("prefs.one_at_a_time", 3, "Show one question at a time"),
    ("prefs.one_at_a_time", 1, "One question at a time"),
    ("prefs.answers", 3, "Your answers"),
    ("prefs.change", 3, "Change"),
    ("prefs.again", 3, "Go through the questions again"),
    ("prefs.again", 1, "Start again"),
    ("prefs.heading", 3, "Preferences"),
    ("prefs.heading", 1, "Your settings"),
    (
        "prefs.lead",
        3,
        "Choose how PinkFlow looks and reads. Your choices apply to every page.",
    ),
    ("prefs.lead", 1, "Choose how PinkFlow looks."),
    (
        "prefs.lead",
        5,
        "Choose how PinkFlow looks and reads. Your choices apply to every page and take priority over your device's own settings for contrast and motion.",
    ),
    (
        "prefs.signed_out",
        3,
        "You are not signed in, so your choices are saved in a cookie on this device only.",
    ),
    (
        "prefs.signed_out",
        1,
        "You are not signed in. Your choices stay on this device.",
    ),
    ("prefs.density", 3, "Visual density"),
    ("prefs.density", 1, "How much is on the screen"),
    (
        "prefs.density.hint",
        3,
        "How much appears on the screen at once.",
    ),
    ("prefs.density.hint", 1, "Less is bigger and calmer."),
    (
        "prefs.density.1",
        3,
        "Minimal: one thing at a time, large buttons and lots of space",
    ),
    (
        "prefs.density.1",
        1,
        "Very little: one thing at a time, big buttons",
    ),
    (
        "prefs.density.2",
        3,
        "Low: a simple layout with extra space",
    ),
    ("prefs.density.2", 1, "Little: simple, with space"),
    ("prefs.density.3", 3, "Standard: the usual layout"),
    ("prefs.density.3", 1, "Normal"),
    (
        "prefs.density.4",
        3,
        "Rich: more on screen, a little less space",
    ),
    ("prefs.density.4", 1, "More things on the screen"),
    (
        "prefs.density.5",
        3,
        "Maximum: compact tables and as much as possible on screen",
    ),
    ("prefs.density.5", 1, "The most things, in tables"),
    ("prefs.reading", 3, "Reading level"),
    ("prefs.reading", 1, "How the words are written"),
    (
        "prefs.reading.hint",
        3,
        "How PinkFlow writes headings, hints and messages.",
    ),
    ("prefs.reading.hint", 1, "Pick easy words or more detail."),
    (
        "prefs.reading.1",
        3,
        "Simplest: short sentences and everyday words",
    ),
    ("prefs.reading.1", 1, "Easiest words"),
    ("prefs.reading.2", 3, "Simple: plain language"),
    ("prefs.reading.2", 1, "Easy words"),
    ("prefs.reading.3", 3, "Standard: clear, everyday writing"),
    ("prefs.reading.3", 1, "Normal words"),
    (
        "prefs.reading.4",
        3,
        "Detailed: standard writing with extra explanation",
    ),
    ("prefs.reading.4", 1, "More explaining"),
    (
        "prefs.reading.5",
        3,
        "Most detailed: full explanations, including technical terms",
    ),
    ("prefs.reading.5", 1, "The most explaining"),
    ("prefs.contrast", 3, "Colour contrast"),
    ("prefs.contrast", 1, "Colours"),
    (
        "prefs.contrast.hint",
        3,
        "High contrast uses black, white and strong colours for text of at least 7 to 1 contrast.",
    ),
    (
        "prefs.contrast.hint",
        1,
        "High contrast makes text stand out more.",
    ),
    ("prefs.contrast.normal", 3, "Normal: the standard colours"),
    ("prefs.contrast.normal", 1, "Normal colours"),
    (
        "prefs.contrast.high",
        3,
        "High: the strongest contrast between text and background",
    ),
    ("prefs.contrast.high", 1, "Strong colours, easier to see"),
    ("prefs.motion", 3, "Motion"),
    ("prefs.motion", 1, "Moving things"),
    (
        "prefs.motion.hint",
        3,
        "Reducing motion removes every animation, transition, smooth scroll and autoplay.",
    ),
    ("prefs.motion.hint", 1, "You can stop things moving."),
    (
        "prefs.motion.true",
        3,
        "Reduce motion: nothing moves or plays by itself",
    ),
    ("prefs.motion.true", 1, "Stop things moving"),
    (
        "prefs.motion.false",
        3,
        "Allow motion: small animations and transitions",
    ),
    ("prefs.motion.false", 1, "Things can move a little"),
    ("prefs.sign", 3, "Sign language"),
    (
        "prefs.sign.hint",
        3,
        "Signed versions of videos are shown in this sign language first.",
    ),
    (
        "prefs.sign.hint",
        1,
        "We show videos in this sign language first.",
    ),
    ("prefs.submit", 3, "Save preferences"),
    ("prefs.submit", 1, "Save"),
    ("prefs.saving", 3, "Saving…"),
    ("prefs.saved", 3, "Preferences saved"),
    ("prefs.preview", 3, "Preview"),
    (
        "prefs.preview.hint",
        3,
        "An example of how pages look with these choices.",
    ),
    ("prefs.preview.hint", 1, "This shows how pages will look."),
    ("prefs.preview.sample", 3, "A sample heading"),
    (
        "prefs.preview.text",
        3,
        "Sample text: captions and a signed version are next to every video.",
    ),
    (
        "prefs.preview.text",
        1,
        "Every video has captions and sign language.",
    ),
    (
        "prefs.preview.text",
        5,
        "Sample text: every video has closed captions you can switch on and off, a transcript beside the player and, one click away, a signed version in your sign language.",
    ),
    // Errors
    ("error.summary", 3, "There is a problem"),
    ("error.prefix", 3, "Error:"),
    ("error.404.heading", 3, "Page not found"),
    (
        "error.404.body",
        3,
        "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address.",
    ),
    (
        "error.404.body",
        1,
        "We cannot find this page. Check the web address.",
    ),
    ("error.403.heading", 3, "You cannot do that"),
    (
        "error.403.body",
        3,
        "You do not have permission to do this.",
    ),
    ("error.403.body", 1, "You are not allowed to do this."),
    ("error.csrf.heading", 3, "Your form could not be sent"),
    ("error.csrf.heading", 1, "We could not send your form"),
    (
        "error.csrf.body",
        3,
        "The page you sent it from had expired, or it did not come from PinkFlow. Nothing was changed. Go back, reload the page and try again.",
    ),
    (
        "error.csrf.body",
        1,
        "Nothing changed. Go back, load the page again and try again.",
    ),
    (
        "error.csrf.body",
        5,
        "For your safety every form carries a secret code tied to your session. This one was missing or did not match, usually because the page was open for a long time, you signed out in another tab, or the form came from another website. Nothing was changed. Go back, reload the page and try again.",
    ),
    ("error.session_lost.heading", 3, "Please sign in again"),
    (
        "error.session_lost.body",
        3,
        "We could not read your session just now because of a problem on our side, so your form was not sent and nothing was changed. Sign in again, then try once more.",
    ),
    (
        "error.session_lost.body",
        1,
        "Something went wrong on our side. Nothing changed. Sign in again, then try again.",
    ),
    ("error.405.heading", 3, "That cannot be done here"),
    (
        "error.405.body",
        3,
        "This page does not accept that kind of request. Go back and use the page's links and buttons.",
    ),
    ("error.413.heading", 3, "What you sent is too large"),
    ("error.413.body", 3, "Send less information and try again."),
    ("error.429.heading", 3, "Too many attempts"),
    ("error.429.heading", 1, "Please wait"),
    (
        "error.429.body",
        3,
        "You have tried this too many times in a short time. To keep accounts safe, wait and then try again.",
    ),
    (
        "error.429.body",
        1,
        "You tried too many times. Wait a little, then try again.",
    ),
    ("error.429.wait", 3, "You can try again in"),
    ("error.429.wait", 1, "Try again in"),
    (
        "error.500.heading",
        3,
        "Sorry, there is a problem with PinkFlow",
    ),
    ("error.500.heading", 1, "Sorry, something went wrong"),
    (
        "error.500.body",
        3,
        "Something went wrong on our side. Try again later. Anything you had already saved is safe.",
    ),
    ("error.500.body", 1, "It is our fault. Try again later."),
    ("error.503.heading", 3, "PinkFlow is busy"),
    (
        "error.503.body",
        3,
        "PinkFlow cannot answer right now. Try again in a few moments.",
    ),
    (
        "error.400.heading",
        3,
        "Something was wrong with the request",
    ),
    ("error.400.body", 3, "Go back and try again."),
    ("error.home", 3, "Go to the home page"),
    // Videos
    ("nav.videos", 3, "My videos"),
    ("nav.upload", 3, "Upload a video"),
    ("nav.upload", 1, "Upload"),
    ("nav.catalogue", 3, "Catalogue"),
    ("nav.catalogue", 1, "All videos"),
    ("videos.heading", 3, "My videos"),
    (
        "videos.lead",
        3,
        "Videos you have uploaded. Processing runs in the background; this list updates by itself.",
    ),
    (
        "videos.lead",
        1,
        "Your videos. This list changes by itself when a video is ready.",
    ),
    ("videos.empty", 3, "You have not uploaded any videos yet."),
    ("videos.empty", 1, "You have no videos yet."),
    ("videos.refresh", 3, "Refresh the list"),
    ("videos.refresh", 1, "Check again"),
    ("videos.col.title", 3, "Title"),
    ("videos.col.status", 3, "Status"),
    ("videos.col.actions", 3, "Actions"),
    ("videos.col.language", 3, "Sign language"),
    ("videos.progress", 3, "Processing progress"),
    ("videos.retry", 3, "Try processing again"),
    ("videos.retry", 1, "Try again"),
    (
        "videos.retried",
        3,
        "The video is queued for processing again.",
    ),
    ("videos.retried", 1, "We will try again."),
    ("videos.delete", 3, "Delete"),
    ("videos.view", 3, "Watch"),
    ("videos.private", 3, "Private"),
    ("videos.public", 3, "Public"),
    ("status.uploaded", 3, "Uploaded"),
    ("status.queued", 3, "Waiting to be processed"),
    ("status.queued", 1, "Waiting"),
    ("status.processing", 3, "Processing"),
    ("status.processing", 1, "Getting ready"),
    ("status.ready", 3, "Ready to watch"),
    ("status.ready", 1, "Ready"),
    ("status.failed", 3, "Processing failed"),
    ("status.failed", 1, "Did not work"),
    (
        "status.ready_reload",
        3,
        "The video is ready. Show the player",
    ),
    ("status.ready_reload", 1, "Ready. Watch it now"),
    // Upload
    ("upload.heading", 3, "Upload a video"),
    (
        "upload.lead",
        3,
        "Upload a video, for example signing. We convert it so it plays everywhere; you can watch it once processing ends.",
    ),
    (
        "upload.lead",
        1,
        "Send us a video. We get it ready to watch.",
    ),
    ("upload.title", 3, "Title"),
    ("upload.description", 3, "Description (optional)"),
    (
        "upload.description",
        1,
        "About the video (you can leave this empty)",
    ),
    ("upload.sign_language", 3, "Sign language used in the video"),
    ("upload.sign_language", 1, "Sign language in the video"),
    ("upload.visibility", 3, "Who can watch it"),
    ("upload.visibility.private", 3, "Only me (private)"),
    (
        "upload.visibility.public",
        3,
        "Everyone (public, listed in the catalogue)",
    ),
    ("upload.visibility.public", 1, "Everyone"),
    ("upload.file", 3, "Video file"),
    (
        "upload.file.hint",
        3,
        "An MP4, MOV, WebM, AVI or MKV file. The largest file you can upload is",
    ),
    ("upload.file.hint", 1, "A video file. It can be up to"),
    ("upload.submit", 3, "Upload video"),
    ("upload.submit", 1, "Upload"),
    ("upload.progress", 3, "Upload progress"),
    ("upload.uploading", 3, "Uploading…"),
    ("upload.announce", 3, "Upload {n} % done"),
    ("upload.announce", 1, "Sent {n} %"),
    (
        "upload.done",
        3,
        "Your video was uploaded. It is being processed now.",
    ),
    (
        "upload.done",
        1,
        "Your video is here. We are getting it ready.",
    ),
    ("upload.no_module", 3, "You cannot upload videos yet"),
    ("upload.no_module", 1, "You cannot upload yet"),
    // One video
    ("video.watch_in", 3, "Watch in"),
    ("video.transcript", 3, "Transcript"),
    (
        "video.transcript.none",
        3,
        "This video has no captions yet, so there is no transcript.",
    ),
    ("video.transcript.none", 1, "No words for this video yet."),
    (
        "video.no_video",
        3,
        "Your browser cannot play this video. Download it instead:",
    ),
    ("video.download", 3, "Download the video"),
    ("video.status", 3, "Processing status"),
    ("video.details", 3, "About this video"),
    ("video.feedback", 3, "How good is the signing?"),
    ("video.feedback", 1, "Is the signing good?"),
    (
        "video.feedback.hint",
        3,
        "Your rating helps others find accurate signing. You can change it later.",
    ),
    (
        "video.feedback.hint",
        1,
        "Tell others. You can change it later.",
    ),
    (
        "video.feedback.accurate",
        3,
        "Accurate – the signing is correct",
    ),
    ("video.feedback.accurate", 1, "Correct"),
    ("video.feedback.helpful", 3, "Helpful – easy to follow"),
    ("video.feedback.helpful", 1, "Easy to follow"),
    (
        "video.feedback.inaccurate",
        3,
        "Inaccurate – the signing has mistakes",
    ),
    ("video.feedback.inaccurate", 1, "Has mistakes"),
    ("video.feedback.submit", 3, "Save rating"),
    (
        "video.feedback.missing",
        3,
        "Choose how good the signing is",
    ),
    ("video.feedback.missing", 1, "Pick one answer."),
    ("video.feedback.saved", 3, "Your rating was saved."),
    ("video.feedback.saved", 1, "Saved."),
    ("video.feedback.counts", 3, "Ratings so far"),
    ("video.feedback.sign_in", 3, "Sign in to rate the signing"),
    ("video.owner", 3, "Manage this video"),
    ("video.captions.heading", 3, "Add captions"),
    (
        "video.captions.hint",
        3,
        "A WebVTT (.vtt), SubRip (.srt) or YouTube (.sbv) file, in UTF-8, UTF-16 or Windows-1252. A file for a language that already has captions replaces them.",
    ),
    (
        "video.captions.hint",
        1,
        "A .vtt, .srt or .sbv file with the words.",
    ),
    ("video.captions.file", 3, "Caption file"),
    (
        "video.captions.language",
        3,
        "Language (for example en or en-GB)",
    ),
    (
        "video.captions.label",
        3,
        "Label people will see (for example English)",
    ),
    ("video.captions.submit", 3, "Add captions"),
    ("video.captions.added", 3, "The captions were added."),
    (
        "video.captions.warnings",
        3,
        "Some parts of the file were skipped or changed:",
    ),
    (
        "video.captions.warnings",
        1,
        "Some parts were left out or changed:",
    ),
    ("video.captions.more_warnings", 3, "more not shown."),
    ("video.edit", 3, "Edit details"),
    ("video.edit.submit", 3, "Save details"),
    ("video.edit.saved", 3, "The details were saved."),
    ("video.delete.heading", 3, "Delete this video?"),
    (
        "video.delete.body",
        3,
        "The video, its captions and its ratings are removed for good. This cannot be undone.",
    ),
    ("video.delete.body", 1, "It will be gone for good."),
    ("video.delete.confirm", 3, "Yes, delete it"),
    ("video.delete.cancel", 3, "No, keep it"),
    ("video.deleted", 3, "The video was deleted."),
    // Catalogue
    ("catalogue.heading", 3, "Catalogue"),
    ("catalogue.heading", 1, "All videos"),
    (
        "catalogue.lead",
        3,
        "Public videos. Videos in your sign language come first.",
    ),
    (
        "catalogue.lead",
        1,
        "Videos for everyone. Your sign language is first.",
    ),
    ("catalogue.filter", 3, "Show videos in"),
    ("catalogue.filter.all", 3, "All sign languages"),
    ("catalogue.duration", 3, "Length"),
    ("catalogue.yours", 3, "(your sign language)"),
    ("catalogue.filter.submit", 3, "Show"),
    ("catalogue.empty", 3, "No public videos match."),
    ("catalogue.empty", 1, "No videos here."),
    // What a video offers besides the picture (watch page and catalogue)
    ("alt.heading", 3, "Available"),
    ("alt.captions", 3, "Captions"),
    ("alt.subtitles", 3, "Subtitles"),
    ("alt.descriptions", 3, "Descriptions"),
    ("alt.chapters", 3, "Chapters"),
    ("alt.signed", 3, "Signed"),
    ("alt.transcript", 3, "Transcript"),
];

/// Standard error messages (from validation shared with the API) and their plain versions.
const PLAIN_ERRORS: &[(&str, &str)] = &[
    (
        "Enter an email address in the correct format, like name@example.com",
        "Type your email like this: name@example.com",
    ),
    (
        "Email address must be 254 characters or fewer",
        "Your email is too long.",
    ),
    (
        "Username must be between 3 and 32 characters",
        "Your username needs 3 to 32 letters or numbers.",
    ),
    (
        "Username can only contain letters, numbers, underscores (_) and hyphens (-)",
        "Use only letters, numbers, _ and - in your username.",
    ),
    (
        "Password must be at least 8 characters",
        "Your password is too short. Use 8 or more.",
    ),
    (
        "Email already registered",
        "This email already has an account.",
    ),
    (
        "Username already taken",
        "Someone has this username. Try another.",
    ),
    ("Enter your email address", "Type your email."),
    ("Enter your password", "Type your password."),
    ("Enter a password", "Type a password."),
    ("Enter a username", "Type a username."),
    // Videos
    ("Enter a title for the video", "Type a name for the video."),
    ("Choose a video file to upload", "Pick a video file."),
    (
        "Choose a video file ending in .mp4, .mov, .webm, .avi, .mkv",
        "Pick a video file. Its name must end in .mp4, .mov, .webm, .avi or .mkv.",
    ),
    ("Choose private or public", "Pick who can watch it."),
    (
        "Enter a language code such as en, fr or pt-BR",
        "Type the language, like en for English.",
    ),
    (
        "Enter a label people will see, such as English",
        "Type a name for the captions, like English.",
    ),
    (
        "Choose a caption file (.vtt, .srt or .sbv)",
        "Pick a caption file.",
    ),
];

fn order(level: u8) -> [u8; 5] {
    match level {
        0 | 1 => [1, 2, 3, 4, 5],
        2 => [2, 1, 3, 4, 5],
        4 => [4, 5, 3, 2, 1],
        5.. => [5, 4, 3, 2, 1],
        3 => [3, 2, 4, 1, 5],
    }
}

/// Every key's copy by level (index 0 is level 1), built once: a page looks up dozens
/// of keys, and a scan of [`COPY`] per lookup cost more than the rest of the page.
static BY_KEY: std::sync::LazyLock<
    std::collections::HashMap<&'static str, [Option<&'static str>; 5]>,
> = std::sync::LazyLock::new(|| {
    let mut map = std::collections::HashMap::with_capacity(COPY.len());
    for (key, level, text) in COPY
        .iter()
        .chain(super::copy_player::COPY)
        .chain(super::copy_controls::PLAYER_COPY)
        .chain(super::copy_captions::COPY)
        .chain(super::copy_moderation::COPY)
        .chain(super::copy_moderation::ADMIN_COPY)
        .chain(super::copy_search::COPY)
        .chain(super::copy_mail::COPY)
        .chain(super::copy_account::COPY)
        .chain(super::copy_sessions::COPY)
    {
        let levels: &mut [Option<&'static str>; 5] = map.entry(*key).or_default();
        if let Some(slot) = levels.get_mut(usize::from(level.saturating_sub(1))) {
            // The first entry of a (key, level) wins, as the scan it replaces did.
            slot.get_or_insert(text);
        }
    }
    map
});

/// The copy for `key` at `level`, or the nearest level that has it ("" if unknown).
pub fn text(key: &str, level: u8) -> &'static str {
    if let Some(levels) = BY_KEY.get(key) {
        for l in order(level) {
            if let Some(Some(t)) = levels.get(usize::from(l - 1)) {
                return t;
            }
        }
    }
    tracing::debug!(key, "missing interface copy");
    ""
}

/// A validation message in plain language for reading levels 1 and 2.
pub fn error_message(message: &str, level: u8) -> String {
    if level <= 2
        && let Some((_, plain)) = PLAIN_ERRORS
            .iter()
            .chain(super::copy_captions::PLAIN_ERRORS)
            .chain(super::copy_search::PLAIN_ERRORS)
            .chain(super::copy_account::PLAIN_ERRORS)
            .chain(super::copy_sessions::PLAIN_ERRORS)
            .find(|(m, _)| *m == message)
    {
        return (*plain).to_owned();
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_form_errors_have_plain_versions() {
        let ext = crate::video::input::extension_message();
        assert!(error_message(&ext, 1).starts_with("Pick a video file."));
        assert_eq!(error_message(&ext, 3), ext);
        assert_eq!(
            error_message("Enter a title for the video", 2),
            "Type a name for the video."
        );
        assert_eq!(text("upload.file.hint", 1), "A video file. It can be up to");
        assert_eq!(text("status.processing", 2), "Getting ready");
        assert_eq!(text("status.processing", 4), "Processing");
    }

    #[test]
    fn the_index_gives_what_a_scan_of_the_table_gives() {
        let scan = |key: &str, level: u8| {
            order(level)
                .into_iter()
                .find_map(|l| {
                    COPY.iter()
                        .find(|(k, lv, _)| *k == key && *lv == l)
                        .map(|(_, _, t)| *t)
                })
                .unwrap_or("")
        };
        for (key, _, _) in COPY {
            for level in 0..=6 {
                assert_eq!(text(key, level), scan(key, level), "{key} at {level}");
            }
        }
        assert_eq!(text("no.such.key", 3), "");
    }

    #[test]
    fn every_key_has_standard_copy() {
        let all: Vec<_> = COPY.iter().chain(super::super::copy_player::COPY).collect();
        for (key, _, _) in &all {
            assert!(
                all.iter().any(|(k, l, _)| k == key && *l == 3),
                "{key} has no level-3 copy"
            );
        }
    }

    #[test]
    fn levels_fall_back_away_from_standard() {
        assert_eq!(text("home.heading", 1), "Welcome");
        assert_eq!(text("home.heading", 2), "Welcome");
        assert_eq!(text("home.heading", 3), "Welcome to PinkFlow");
        assert_eq!(text("home.heading", 5), "Welcome to PinkFlow");
        assert!(text("home.detail", 4).starts_with("Your preferences"));
        assert_eq!(text("home.detail", 3), "");
        assert_eq!(text("no.such.key", 3), "");
        assert_eq!(
            error_message("Password must be at least 8 characters", 1),
            "Your password is too short. Use 8 or more."
        );
        assert_eq!(
            error_message("Password must be at least 8 characters", 3),
            "Password must be at least 8 characters"
        );
    }
}
