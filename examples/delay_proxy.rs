//! A TCP proxy adding a fixed delay each way: a delay line, every chunk
//! forwarded DELAY after it arrived, in order, as `tc netem delay` would
//! (`scripts/bench-replicas.sh` uses it where the kernel has no
//! `sch_netem`). A thread reads each direction and another writes it, so
//! a chunk in flight never holds up the next one's arrival.
//!
//! ```sh
//! cargo run --release --example delay_proxy -- DELAY_US LISTEN TARGET [LISTEN TARGET ...]
//! cargo run --release --example delay_proxy -- 500 127.0.0.1:6501 10.77.0.1:5501
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: delay_proxy DELAY_US LISTEN TARGET [LISTEN TARGET ...]";
    let delay = args
        .first()
        .and_then(|us| us.parse().ok())
        .map(Duration::from_micros)
        .expect(usage);
    let routes = &args[1..];
    assert!(
        !routes.is_empty() && routes.len().is_multiple_of(2),
        "{usage}"
    );
    let listeners: Vec<_> = routes
        .chunks(2)
        .map(|route| {
            let listener = TcpListener::bind(&route[0]).expect("bind LISTEN");
            let target = route[1].clone();
            thread::spawn(move || accept(listener, target, delay))
        })
        .collect();
    println!("delaying {delay:?} each way");
    for listener in listeners {
        let _ = listener.join();
    }
}

fn accept(listener: TcpListener, target: String, delay: Duration) {
    for client in listener.incoming().map_while(Result::ok) {
        let Ok(server) = TcpStream::connect(&target) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let _ = (client.set_nodelay(true), server.set_nodelay(true));
        let (Ok(client_out), Ok(server_out)) = (client.try_clone(), server.try_clone()) else {
            continue;
        };
        thread::spawn(move || line(client, server_out, delay));
        thread::spawn(move || line(server, client_out, delay));
    }
}

/// Forwards what `from` sends to `to`, each chunk `delay` after it came.
fn line(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (chunks, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (at, bytes) in due {
            let now = Instant::now();
            if at > now {
                thread::sleep(at - now);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0
            || chunks
                .send((Instant::now() + delay, buffer[..read].to_vec()))
                .is_err()
        {
            break;
        }
    }
    drop(chunks);
    let _ = writer.join();
}
