"""What the cordon benchmarks share: a scratch session directory with its own audit trail, and
timing one command (waiting, outside the timed region, for the audit checkpoint it leaves)."""
import fcntl
import os
import subprocess
import sys
import tempfile
import time


# The default build directory's cordon (pass --cordon a Release build's for figures).
DEFAULT_CORDON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "src",
                              "cordon")


class ScratchSession:
    """A scratch directory with a workspace, and the environment that gives cordon its own
    config and state there (root's default audit store is machine-wide)."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.workspace = os.path.join(self.dir, "ws")
        os.mkdir(self.workspace)
        self.store = os.path.join(self.dir, "audit", "audit.db")
        os.makedirs(os.path.join(self.dir, "config", "cordon"))
        with open(os.path.join(self.dir, "config", "cordon", "config.toml"), "w") as config:
            config.write(f'[audit]\nstore = "{self.store}"\n')
        # Its own runtime directory too: an audit writer lingering after another build's or
        # another store's session holds the default rendezvous, and every session here would
        # then start a writer of its own.
        runtime = os.path.join(self.dir, "runtime")
        os.mkdir(runtime, 0o700)
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.dir, "config"),
                        XDG_STATE_HOME=os.path.join(self.dir, "state"),
                        CORDON_RUNTIME_DIR=runtime)

    def wait_for_signature(self):
        """cordon exits once its session's audit rows are committed; its writer then signs the
        checkpoint on its own time, holding a shared lock on STORE-signing. Waiting for that lock
        keeps the signature out of the next measurement."""
        try:
            fd = os.open(self.store + "-signing", os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        finally:
            os.close(fd)


def time_once(cmd, env):
    """Seconds `cmd` took; exits the benchmark if it failed."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr.decode()}")
    return elapsed
