-- wrk script of `npm run bench`: every request carries one Cookie header line picked from the file
-- BENCH_COOKIES (one line each), uniformly at random, by Zipf's law (BENCH_DIST=zipf, s = BENCH_ZIPF_S),
-- or in order (BENCH_DIST=sequential: one thread walks the file once, then ends wrk: a cache warm-up).
-- Prints one JSON line with throughput, latency percentiles and error counts when done.
local path = os.getenv("BENCH_PATH") or "/api/plain"
local dist = os.getenv("BENCH_DIST") or "uniform"
local s = tonumber(os.getenv("BENCH_ZIPF_S") or "1.1")
local threads_total = tonumber(os.getenv("BENCH_THREADS") or "1")

local cookies = {}
for line in io.lines(os.getenv("BENCH_COOKIES")) do
	if #line > 0 then cookies[#cookies + 1] = line end
end
local n = #cookies

local cdf
if dist == "zipf" then
	cdf = {}
	local total = 0
	for k = 1, n do
		total = total + 1 / (k ^ s)
		cdf[k] = total
	end
	for k = 1, n do cdf[k] = cdf[k] / total end
end

local counter = 0
function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
end

local next_index
function init(args)
	math.randomseed(os.time() * 1000 + (id or 0) * 7919)
	local per = math.ceil(n / threads_total)
	next_index = (id or 0) * per + 1
end

local function pick()
	if dist == "sequential" then
		local i = next_index
		next_index = next_index + 1
		if next_index > n then next_index = 1 end
		return i
	end
	if dist == "zipf" then
		local u = math.random()
		local lo, hi = 1, n
		while lo < hi do
			local mid = math.floor((lo + hi) / 2)
			if cdf[mid] < u then lo = mid + 1 else hi = mid end
		end
		return lo
	end
	return math.random(n)
end

-- The sequential walk (a cache warm-up, one thread) ends wrk once every cookie has been answered:
-- wrk itself would wait out its duration.
if dist == "sequential" then
	local answered = 0
	function response(status, headers, body)
		answered = answered + 1
		if answered >= n then
			io.write(string.format("BENCH_WARMED %d\n", answered))
			io.flush()
			os.exit(0)
		end
	end
end

function request()
	return wrk.format("GET", path, { Cookie = cookies[pick()] })
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
		e.status, e.connect, e.read, e.write, e.timeout))
end
