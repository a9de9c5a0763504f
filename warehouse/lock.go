package warehouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// LockInfo is what the run lock file says about the process holding the warehouse. Commands
// refused because a run is going read it to say what is running and since when.
type LockInfo struct {
	PID    int       `json:"pid"`
	RunID  int64     `json:"run_id,omitempty"`
	Kind   string    `json:"kind,omitempty"`
	Since  time.Time `json:"since"`
	Stage  string    `json:"stage,omitempty"`
	Holder string    `json:"holder,omitempty"`
}

// BusyError says that another process holds the warehouse.
type BusyError struct {
	Path string
	Info LockInfo // zero when the holder has not written it yet
}

func (e *BusyError) Error() string {
	i := e.Info
	switch {
	case i.RunID != 0:
		msg := fmt.Sprintf("warehouse %s is in use by run %d since %s", e.Path, i.RunID, i.Since.Format(time.RFC3339))
		if i.Stage != "" {
			msg += fmt.Sprintf(" (stage %s, pid %d)", i.Stage, i.PID)
		} else {
			msg += fmt.Sprintf(" (pid %d)", i.PID)
		}
		return msg + "; wait for it to finish, or point --warehouse at another file"
	case i.PID != 0:
		return fmt.Sprintf("warehouse %s is in use by %s (pid %d) since %s; wait for it to finish, or point --warehouse at another file",
			e.Path, orDefault(i.Holder, "another harvest2runn process"), i.PID, i.Since.Format(time.RFC3339))
	default:
		return fmt.Sprintf("warehouse %s is in use by another harvest2runn process; wait for it to finish, or point --warehouse at another file", e.Path)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// fileLock is an advisory lock on a side file beside the warehouse. flock(2) locks belong to the
// open file description, so the kernel drops the lock when the process dies, even by SIGKILL:
// a killed run never blocks the next one.
type fileLock struct {
	f    *os.File
	info LockInfo
}

func lockPath(warehousePath string) string { return warehousePath + ".lock" }

func acquireLock(warehousePath, holder string) (*fileLock, error) {
	path := lockPath(warehousePath)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return nil, configErrorf(err, "cannot write the run lock %s (%v): fix the warehouse folder's permissions or choose another --warehouse / HARVEST2RUNN_WAREHOUSE", path, unwrapPath(err))
	}
	if err != nil {
		return nil, fmt.Errorf("open run lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			info, _ := ReadLockInfo(warehousePath)
			return nil, &BusyError{Path: warehousePath, Info: info}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	l := &fileLock{f: f, info: LockInfo{PID: os.Getpid(), Since: time.Now().UTC(), Holder: holder}}
	if err := l.write(); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

func (l *fileLock) update(fn func(*LockInfo)) error {
	fn(&l.info)
	return l.write()
}

func (l *fileLock) write() error {
	b, err := json.Marshal(l.info)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("write run lock: %w", err)
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("write run lock: %w", err)
	}
	return nil
}

// release empties the file before unlocking, so a reader never mistakes a finished run for a
// running one; the file itself stays, since removing it would race with a process locking it.
func (l *fileLock) release() {
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
}

// ReadLockInfo reads who holds the warehouse, without taking the lock. It returns a zero
// LockInfo and no error when nobody does.
func ReadLockInfo(warehousePath string) (LockInfo, error) {
	var info LockInfo
	b, err := os.ReadFile(lockPath(warehousePath))
	if errors.Is(err, os.ErrNotExist) || (err == nil && strings.TrimSpace(string(b)) == "") {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return LockInfo{}, fmt.Errorf("read run lock %s: %w", lockPath(warehousePath), err)
	}
	return info, nil
}

// Held reports whether a live process holds the warehouse lock right now.
func Held(warehousePath string) (bool, error) {
	f, err := os.OpenFile(lockPath(warehousePath), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return true, nil
		}
		return false, err
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, nil
}
