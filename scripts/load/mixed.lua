-- wrk script: a mix of valid and hostile GraphQL requests, counting
-- answers by status class. Used by scripts/load-test.sh.
local aliases = {}
for i = 1, 1000 do aliases[#aliases + 1] = "a" .. i .. ": specialties { slug }" end
local deep = "slug"
for _ = 1, 8 do deep = "exchanges(first: 1) { nodes { participants { institution { " .. deep .. " } } } }" end
local function body(query)
  return '{"query":' .. string.format("%q", query):gsub("\\\n", "\\n") .. '}'
end
local requests = {
  { "POST", body("{ exchanges(lang: JA, first: 9) { totalCount nodes { title participants { institution { name } } talks { speaker { name } } photos { caption } } } }") },
  { "POST", body("{ search(query: \"康复\", first: 10) { __typename ... on Exchange { title } } }") },
  { "POST", body("{ institutions(filter: { region: \"広西チワン族自治区\" }) { nodes { name exchanges(first: 3) { nodes { title } } } } }") },
  { "GET", nil, "/graphql?query=%7B%20specialties(lang%3A%20ZH)%20%7B%20slug%20name%20%7D%20%7D" },
  { "POST", body("{ " .. table.concat(aliases, " ") .. " }") },
  { "POST", body("{ institutions(first: 1) { nodes { " .. deep .. " } } }") },
  { "POST", body("{ exchanges(first: 100) { nodes { participants { institution { exchanges(first: 100) { nodes { title } } } } } } }") },
  { "POST", '{"query":"{ specialties { slug "}' },
  { "POST", "not json at all" },
  { "GET", nil, "/graphql?query=mutation%20%7B%20__typename%20%7D" },
}
local counter = 0
local statuses = {}
request = function()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  if r[1] == "GET" then
    return wrk.format("GET", r[3], { ["accept"] = "application/json" })
  end
  return wrk.format("POST", "/graphql", { ["content-type"] = "application/json", ["accept"] = "application/graphql-response+json" }, r[2])
end
response = function(status)
  local class = math.floor(status / 100) .. "xx"
  statuses[class] = (statuses[class] or 0) + 1
end
done = function(summary)
  io.write(string.format("requests/s %.0f, errors: connect %d read %d write %d timeout %d\n",
    summary.requests / (summary.duration / 1e6), summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
