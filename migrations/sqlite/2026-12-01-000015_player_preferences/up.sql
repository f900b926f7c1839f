-- Caption appearance and player layout (issue 11 item 4); values as in
-- docs/PLAYER_PREFERENCES.md, defaults as for a new account.
ALTER TABLE users ADD COLUMN caption_size INTEGER NOT NULL DEFAULT 100
    CHECK (caption_size IN (75, 100, 125, 150, 175, 200, 250, 300));
ALTER TABLE users ADD COLUMN caption_color TEXT NOT NULL DEFAULT 'white'
    CHECK (caption_color IN ('white', 'yellow', 'cyan', 'green', 'magenta', 'black'));
ALTER TABLE users ADD COLUMN caption_background TEXT NOT NULL DEFAULT 'black'
    CHECK (caption_background IN ('black', 'white', 'blue', 'yellow'));
ALTER TABLE users ADD COLUMN caption_opacity INTEGER NOT NULL DEFAULT 75
    CHECK (caption_opacity IN (0, 25, 50, 75, 100));
ALTER TABLE users ADD COLUMN caption_font TEXT NOT NULL DEFAULT 'sans'
    CHECK (caption_font IN ('sans', 'serif', 'mono', 'legible'));
ALTER TABLE users ADD COLUMN caption_edge TEXT NOT NULL DEFAULT 'none'
    CHECK (caption_edge IN ('none', 'outline', 'shadow', 'raised', 'depressed'));
ALTER TABLE users ADD COLUMN caption_position TEXT NOT NULL DEFAULT 'over'
    CHECK (caption_position IN ('over', 'below'));
ALTER TABLE users ADD COLUMN sign_layout TEXT NOT NULL DEFAULT 'pip'
    CHECK (sign_layout IN ('pip', 'side'));
ALTER TABLE users ADD COLUMN sign_corner TEXT NOT NULL DEFAULT 'bottom-right'
    CHECK (sign_corner IN ('top-left', 'top-right', 'bottom-left', 'bottom-right'));
ALTER TABLE users ADD COLUMN sign_size TEXT NOT NULL DEFAULT 'medium'
    CHECK (sign_size IN ('small', 'medium', 'large'));
ALTER TABLE users ADD COLUMN keyboard_shortcuts BOOLEAN NOT NULL DEFAULT TRUE;
