//! Writers' token buckets in Redis (`--redis-url`), shared by every
//! process using it: each take is one Lua script run atomically by Redis,
//! on Redis's clock. A bucket not touched for two minutes (refilled long
//! since) expires.
//!
//! The client is the few lines of RESP this needs, over one connection
//! per process (mutations are few; a take is one round trip), opened again
//! after any error. Every call is bounded by [`TIMEOUT`]: a Redis that does
//! not answer is an error, never a wait.

use super::write_rate::Rate;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};
use tokio::net::TcpStream;

/// Longest a connection, or one script's run, may take.
const TIMEOUT: Duration = Duration::from_millis(500);

/// The bucket script: KEYS[1] the bucket; ARGV capacity, refill per ms,
/// writes wanted (negative: given back). Returns {taken, left * 1000}.
const TAKE: &str = r"
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'left', 'at')
local left = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
left = math.min(capacity, left + math.max(0, now - at) * per_ms)
local taken = 0
if left >= wanted then
  left = math.min(capacity, left - wanted)
  taken = 1
end
redis.call('HSET', KEYS[1], 'left', tostring(left), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return {taken, math.floor(left * 1000)}
";

/// Where Redis is, and the connection to it when one is open.
pub struct Redis {
    address: String,
    password: Option<String>,
    database: Option<u32>,
    connection: tokio::sync::Mutex<Option<BufStream<TcpStream>>>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redis at {}", self.address)
    }
}

/// A reply of Redis.
#[derive(Debug, PartialEq)]
enum Reply {
    Integer(i64),
    Text(Option<String>),
    List(Vec<Reply>),
}

impl Redis {
    /// Redis at `url` (`redis://[:PASSWORD@]HOST[:PORT][/DB]`); nothing is
    /// opened until the first call.
    pub fn new(url: &str) -> Result<Redis, String> {
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| format!("{url:?} is not a redis://HOST:PORT URL"))?;
        let (authority, database) = match rest.split_once('/') {
            Some((authority, "")) => (authority, None),
            Some((authority, db)) => {
                let db = db
                    .parse::<u32>()
                    .map_err(|_| format!("{url:?}: the database must be a number"))?;
                (authority, Some(db))
            }
            None => (rest, None),
        };
        let (password, host) = match authority.rsplit_once('@') {
            Some((user_info, host)) => {
                let password = user_info.rsplit(':').next().unwrap_or(user_info);
                (Some(password.to_owned()).filter(|p| !p.is_empty()), host)
            }
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(format!("{url:?} names no host"));
        }
        let address = match host.contains(':') {
            true => host.to_owned(),
            false => format!("{host}:6379"),
        };
        Ok(Redis {
            address,
            password,
            database,
            connection: tokio::sync::Mutex::new(None),
        })
    }

    /// Where it is (`HOST:PORT`), for messages.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Takes `writes` from `token`'s bucket (negative: gives them back):
    /// `Ok(Err(wait))` when it holds too few; `Err` when Redis cannot be
    /// reached or answers an error.
    pub async fn take(
        &self,
        token: &str,
        writes: f64,
        rate: Rate,
    ) -> Result<Result<(), Duration>, String> {
        let key = format!("medexchange:write_rate:{token}");
        let capacity = rate.per_minute.to_string();
        let per_ms = (f64::from(rate.per_minute) / 60_000.0).to_string();
        let wanted = writes.to_string();
        let command = ["EVAL", TAKE, "1", &key, &capacity, &per_ms, &wanted];
        match self.call(&command).await? {
            Reply::List(items) => match items.as_slice() {
                [Reply::Integer(1), _] => Ok(Ok(())),
                [Reply::Integer(0), Reply::Integer(left)] => {
                    Ok(Err(rate.wait(*left as f64 / 1000.0, writes)))
                }
                other => Err(format!("unexpected answer from Redis: {other:?}")),
            },
            other => Err(format!("unexpected answer from Redis: {other:?}")),
        }
    }

    /// Runs one command on the open connection (opening it first); any
    /// error closes it, so the next call opens a new one.
    async fn call(&self, command: &[&str]) -> Result<Reply, String> {
        let mut connection = self.connection.lock().await;
        if connection.is_none() {
            *connection = Some(self.open().await?);
        }
        let Some(stream) = connection.as_mut() else {
            return Err("no connection".to_owned());
        };
        let answer = tokio::time::timeout(TIMEOUT, run(stream, command)).await;
        let answer = match answer {
            Ok(Ok(reply)) => return Ok(reply),
            Ok(Err(error)) => error,
            Err(_) => format!("no answer within {TIMEOUT:?}"),
        };
        *connection = None;
        Err(format!("Redis at {}: {answer}", self.address))
    }

    /// A new connection, signed in and on its database.
    async fn open(&self) -> Result<BufStream<TcpStream>, String> {
        let failed = |e: String| format!("Redis at {}: {e}", self.address);
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(&self.address))
            .await
            .map_err(|_| failed(format!("no connection within {TIMEOUT:?}")))?
            .map_err(|e| failed(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        let mut stream = BufStream::new(stream);
        if let Some(password) = &self.password {
            run(&mut stream, &["AUTH", password])
                .await
                .map_err(failed)?;
        }
        if let Some(database) = self.database {
            run(&mut stream, &["SELECT", &database.to_string()])
                .await
                .map_err(failed)?;
        }
        Ok(stream)
    }
}

/// Sends `command` and reads its reply; a Redis error is an error.
async fn run(stream: &mut BufStream<TcpStream>, command: &[&str]) -> Result<Reply, String> {
    let mut request = format!("*{}\r\n", command.len()).into_bytes();
    for part in command {
        request.extend(format!("${}\r\n", part.len()).as_bytes());
        request.extend(part.as_bytes());
        request.extend(b"\r\n");
    }
    stream
        .write_all(&request)
        .await
        .map_err(|e| e.to_string())?;
    stream.flush().await.map_err(|e| e.to_string())?;
    read_reply(stream).await
}

/// One reply (RESP 2), lists read item by item.
async fn read_reply(stream: &mut BufStream<TcpStream>) -> Result<Reply, String> {
    let mut pending: Vec<(Vec<Reply>, usize)> = Vec::new();
    loop {
        let mut line = String::new();
        let read = stream
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("connection closed".to_owned());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let (kind, rest) = line.split_at(line.len().min(1));
        let number = || {
            rest.parse::<i64>()
                .map_err(|_| format!("bad reply {line:?}"))
        };
        let reply = match kind {
            "+" => Reply::Text(Some(rest.to_owned())),
            "-" => return Err(rest.to_owned()),
            ":" => Reply::Integer(number()?),
            "$" if number()? < 0 => Reply::Text(None),
            "$" => {
                let mut bytes = vec![0; number()? as usize + 2];
                stream
                    .read_exact(&mut bytes)
                    .await
                    .map_err(|e| e.to_string())?;
                bytes.truncate(bytes.len() - 2);
                Reply::Text(Some(String::from_utf8_lossy(&bytes).into_owned()))
            }
            "*" if number()? > 0 => {
                pending.push((Vec::new(), number()? as usize));
                continue;
            }
            "*" => Reply::List(Vec::new()),
            _ => return Err(format!("bad reply {line:?}")),
        };
        let mut reply = reply;
        loop {
            let Some((items, wanted)) = pending.last_mut() else {
                return Ok(reply);
            };
            items.push(reply);
            if items.len() < *wanted {
                break;
            }
            let (items, _) = pending.pop().unwrap_or_default();
            reply = Reply::List(items);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_host_port_password_and_database() {
        let redis = Redis::new("redis://127.0.0.1:6380/2").unwrap();
        assert_eq!(
            (redis.address(), redis.database),
            ("127.0.0.1:6380", Some(2))
        );
        let redis = Redis::new("redis://:secret@cache").unwrap();
        assert_eq!(redis.address(), "cache:6379");
        assert_eq!(redis.password.as_deref(), Some("secret"));
        assert!(Redis::new("http://cache").is_err());
        assert!(Redis::new("redis:///1").is_err());
    }
}
