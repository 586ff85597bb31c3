//! A throwaway PostgreSQL cluster for tests and benchmarks.
//!
//! [`TestDb::new`] gives a fresh database: on the cluster named by `ASR_TEST_POSTGRES_URL`
//! when that is set (a URL of a database the tests may create databases from, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`), else on a cluster started for the process
//! with `initdb` and `pg_ctl` from the Debian packages (`/usr/lib/postgresql/*/bin`, or
//! `ASR_TEST_POSTGRES_BIN`), listening on a private socket directory and 127.0.0.1 on a free
//! port, run as the `postgres` user when the tests run as root (initdb refuses root). The
//! cluster stops (`pg_ctl stop -m immediate`) and its files are removed when the last
//! [`TestDb`] of the process is dropped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// The environment variable naming an existing cluster to use instead of starting one.
pub const URL_VAR: &str = "ASR_TEST_POSTGRES_URL";

/// A database of its own on a test cluster.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    _cluster: Option<Arc<Cluster>>,
}

impl TestDb {
    /// A new, empty database.
    ///
    /// # Panics
    ///
    /// When no cluster can be started or reached: a test cannot run without one.
    pub async fn new() -> TestDb {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("asr_test_{}_{n}", std::process::id());
        let (admin, cluster) = match std::env::var(URL_VAR).ok().filter(|u| !u.is_empty()) {
            Some(url) => (url, None),
            None => {
                let cluster = Cluster::shared();
                (cluster.url("postgres"), Some(cluster))
            }
        };
        let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test cluster: {e}"));
        let driver = tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
        drop(client);
        let _ = driver.await;
        let url = match &cluster {
            Some(c) => c.url(&name),
            None => replace_dbname(&admin, &name),
        };
        TestDb {
            url,
            _cluster: cluster,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port the cluster listens on at 127.0.0.1 (for a proxy in front of it).
    pub fn port(&self) -> u16 {
        self.url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next()?.parse().ok())
            .unwrap_or(5432)
    }
}

/// `postgres://…/old` → `postgres://…/new` (query kept).
fn replace_dbname(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A cluster started for this process.
#[derive(Debug)]
struct Cluster {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    as_postgres: bool,
}

static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

impl Cluster {
    fn shared() -> Arc<Cluster> {
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = shared.upgrade() {
            return c;
        }
        let c = Arc::new(Cluster::start());
        *shared = Arc::downgrade(&c);
        c
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn start() -> Cluster {
        let bin = find_bin();
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("asr-pg-{}-{}", std::process::id(), nanos()));
        let data = dir.join("data");
        let sockets = dir.join("sockets");
        std::fs::create_dir_all(&sockets).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap_or_else(|e| panic!("chown: {e}"));
            assert!(
                status.success(),
                "cannot give {} to postgres",
                dir.display()
            );
        }
        let run = |args: &[&std::ffi::OsStr]| -> std::process::Output {
            let mut cmd = if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]);
                c
            } else {
                Command::new(args[0])
            };
            let rest = if as_postgres { args } else { &args[1..] };
            cmd.args(rest);
            cmd.output()
                .unwrap_or_else(|e| panic!("{:?}: {e}", args[0]))
        };
        let initdb = bin.join("initdb");
        let out = run(&[
            initdb.as_os_str(),
            "-D".as_ref(),
            data.as_os_str(),
            "-A".as_ref(),
            "trust".as_ref(),
            "-U".as_ref(),
            "postgres".as_ref(),
            "--no-sync".as_ref(),
        ]);
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pg_ctl = bin.join("pg_ctl");
        for _ in 0..20 {
            let port = free_port();
            let options = format!(
                "-k {} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=200",
                sockets.display()
            );
            let log = dir.join("log");
            let out = run(&[
                pg_ctl.as_os_str(),
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "start".as_ref(),
            ]);
            if out.status.success() {
                return Cluster {
                    dir,
                    port,
                    bin,
                    as_postgres,
                };
            }
        }
        panic!("pg_ctl could not start a cluster in {}", dir.display());
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = cmd
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn find_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os("ASR_TEST_POSTGRES_BIN") {
        return PathBuf::from(dir);
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.retain(|b| b.join("initdb").is_file());
    versions.sort();
    versions.pop().unwrap_or_else(|| {
        panic!(
            "no PostgreSQL binaries under /usr/lib/postgresql/*/bin: install postgresql-15 \
             (apt-get install postgresql-15), or set {URL_VAR} to a cluster's URL"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
