-- wrk script of benchmarks/scale.py: cycle through the paths in the file $PATHS, one request each, with
-- the Accept header $ACCEPT, and print what was measured as one JSON object.
local paths = {}
local accept = os.getenv("ACCEPT") or "*/*"
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path], {["Accept"] = accept})
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
