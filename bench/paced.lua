-- wrk script: each connection waits BENCH_PACE_MS (default 10) between requests, so the
-- page load is steady traffic rather than a saturating flood.
local pace = tonumber(os.getenv("BENCH_PACE_MS") or "10")
function delay()
  return pace
end
