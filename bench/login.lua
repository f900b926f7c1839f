-- wrk script: sign in with the benchmark account (POST /api/auth/login, JSON body).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"benchpassword"}'
