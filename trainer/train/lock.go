package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockFile, inside the run folder, is held by the one process training
// there. Two runs on one folder would interleave their checkpoint swaps
// and metrics; the second is refused up front instead, told who holds it.
// The lock is flock(2) where the system has it, so a holder that is killed
// releases it with its last file descriptor; the file itself stays, with
// the last holder's pid and start time, for the message.
const LockFile = "train.lock"

// ErrLocked is wrapped by the error of a run refused because another holds
// the folder.
var ErrLocked = errors.New("run folder in use")

// runLock is a held lock; release ends it.
type runLock struct {
	f *os.File
}

// lockRun takes out/LockFile, which must not be held by anyone else (this
// process included: a second Trainer on one folder is refused too).
func lockRun(out string) (*runLock, error) {
	path := filepath.Join(out, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: cannot lock %s: %v", out, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("train: cannot lock %s: %v", out, err)
	}
	if !held {
		holder := make([]byte, 256) // a line written by the holder
		n, _ := f.ReadAt(holder, 0)
		f.Close()
		who := strings.TrimSpace(string(holder[:n]))
		if who == "" {
			who = "a process that has not said who it is yet"
		}
		return nil, fmt.Errorf("train: %s is in use by another training run (%s; %w): wait for it to end, stop it, or choose another --out", out, who, ErrLocked)
	}
	// Say who holds it, for the message of whoever comes next.
	host, _ := os.Hostname()
	who := fmt.Sprintf("pid %d on %s, started %s", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(who+"\n"), 0)
	}
	return &runLock{f: f}, nil
}

// release gives the lock up; safe to call on nil and more than once.
func (l *runLock) release() {
	if l == nil || l.f == nil {
		return
	}
	unlock(l.f)
	l.f.Close()
	l.f = nil
}
