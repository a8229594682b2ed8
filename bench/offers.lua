-- wrk script used by bench/api_read_write.py.
--
-- Arguments (after "--" on the wrk command line):
--   read  <ids file>  <path prefix> <bearer token or ->   GET <prefix><random id>
--   write <body file> <path>        <bearer token or ->   POST <body> to <path>
-- done() prints one "WRK_RESULT key=value ..." line the Python driver parses;
-- latencies are in microseconds, errors.status counts non-2xx/3xx answers.

local threads_started = 0

function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end

local mode, path, headers, ids, post = nil, nil, {}, {}, nil

local function read_file(name)
  local file = assert(io.open(name, "r"))
  local content = file:read("*a")
  file:close()
  return content
end

function init(args)
  mode, path = args[1], args[3]
  local token = args[4]
  if token ~= nil and token ~= "" and token ~= "-" then
    headers["Authorization"] = "Bearer " .. token
  end
  if mode == "read" then
    for line in io.lines(args[2]) do
      if line ~= "" then
        ids[#ids + 1] = line
      end
    end
    assert(#ids > 0, "no ids in " .. args[2])
  elseif mode == "write" then
    headers["Content-Type"] = "application/json"
    post = wrk.format("POST", path, headers, read_file(args[2]))
  else
    error("mode must be read or write, got " .. tostring(mode))
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  if post ~= nil then
    return post
  end
  return wrk.format("GET", path .. ids[math.random(#ids)], headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d mean_us=%.1f p50_us=%d p95_us=%d p99_us=%d"
      .. " max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency.mean,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
