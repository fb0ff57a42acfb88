-- A flood of bad bearer tokens: each request carries a token of the minted
-- form (mx_ and 43 URL-safe base64 characters) never seen before, so no
-- negative cache can answer it; BAD_TOKENS=same sends one token always.
local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local same = os.getenv("BAD_TOKENS") == "same"
local fixed = "mx_" .. string.rep("A", 43)
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
request = function()
  local token = fixed
  if not same then
    local t = {}
    for i = 1, 43 do
      local k = math.random(1, #chars)
      t[i] = chars:sub(k, k)
    end
    token = "mx_" .. table.concat(t)
  end
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, '{"query":"{ specialties { slug } }"}')
end
