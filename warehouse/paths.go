package warehouse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
)

// ConfigError is a warehouse that cannot be used as configured: no path could be chosen, the
// path is a folder, its folder is missing or cannot be written, or the file was written by a
// newer harvest2runn. Nothing was written, and running again unchanged fails the same way: the
// fix is in the configuration, so commands exit 2 on it.
type ConfigError struct {
	Msg string // one sentence: what is wrong and what to do
	Err error  // the cause, when there is one
}

func (e *ConfigError) Error() string { return e.Msg }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErrorf(cause error, format string, args ...any) *ConfigError {
	return &ConfigError{Msg: fmt.Sprintf(format, args...), Err: cause}
}

// WriteError is a warehouse that could not be written when it was checkpointed or closed, e.g.
// on a full disk or past a file-size limit. What the command did may be only in the write-ahead
// log (the .wal beside the file), so the command has failed, whatever it did before.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("the warehouse could not be written: %v (%s: free disk space or raise the file-size limit, then run again; what was not written is kept in %s.wal until then)",
		e.Err, e.Path, e.Path)
}

func (e *WriteError) Unwrap() error { return e.Err }

// stateFolder is the folder of harvest2runn's default warehouses inside the user's state folder.
const stateFolder = "harvest2runn"

// StateDir is the folder of the default warehouses: $XDG_STATE_HOME/harvest2runn, with
// XDG_STATE_HOME defaulting to ~/.local/state (and ignored when relative, as the XDG spec says).
func StateDir(getenv func(string) string) (string, error) {
	base := getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) {
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return "", configErrorf(nil, "cannot choose the default warehouse: neither XDG_STATE_HOME nor HOME is set to a folder; set one, or give --warehouse / HARVEST2RUNN_WAREHOUSE")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, stateFolder), nil
}

var accountIDPattern = regexp.MustCompile(`^[0-9]+$`)

// DefaultPathFor is the default warehouse of a Harvest account for this user:
// StateDir/<account id>.duckdb. One per account and user, not per working folder, so that every
// run for an account, wherever it starts, uses one warehouse and one run lock.
func DefaultPathFor(accountID string, getenv func(string) string) (string, error) {
	switch {
	case accountID == "":
		return "", configErrorf(nil, "no warehouse chosen: set HARVEST_ACCOUNT_ID (the default warehouse is $XDG_STATE_HOME/harvest2runn/<account id>.duckdb, one per Harvest account) or give --warehouse / HARVEST2RUNN_WAREHOUSE")
	case !accountIDPattern.MatchString(accountID):
		return "", configErrorf(nil, "HARVEST_ACCOUNT_ID %q is not a number: use the numeric account id shown at https://id.getharvest.com/developers, or give --warehouse", accountID)
	}
	dir, err := StateDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, accountID+".duckdb"), nil
}

// resolve makes path absolute; an empty path is the default warehouse of the account in the
// process's HARVEST_ACCOUNT_ID. isDefault says that the folder is harvest2runn's state folder,
// which Open creates when missing.
func resolve(path string) (abs string, isDefault bool, err error) {
	if path == "" {
		if path, err = DefaultPathFor(os.Getenv("HARVEST_ACCOUNT_ID"), os.Getenv); err != nil {
			return "", false, err
		}
	}
	abs, err = filepath.Abs(path)
	if err != nil {
		return "", false, configErrorf(err, "warehouse path %q: %v", path, err)
	}
	if dir, err := StateDir(os.Getenv); err == nil && filepath.Dir(abs) == dir {
		isDefault = true
	}
	return abs, isDefault, nil
}

// CheckPath refuses, with a *ConfigError, a warehouse path that cannot work: a folder, a file
// or folder this user cannot write, a folder that does not exist. createDir creates a missing
// folder (0700) instead: the state folder of the default warehouse is harvest2runn's own.
func CheckPath(path string, createDir bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return configErrorf(err, "warehouse path %q: %v", path, err)
	}
	dir := filepath.Dir(abs)
	if createDir {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return configErrorf(err, "cannot create the warehouse folder %s (%v): fix its permissions, or give --warehouse / HARVEST2RUNN_WAREHOUSE", dir, unwrapPath(err))
		}
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return configErrorf(err, "warehouse folder %s does not exist: create it or choose another --warehouse / HARVEST2RUNN_WAREHOUSE", dir)
	}
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return configErrorf(nil, "warehouse %s is a folder: give the path of a file, e.g. %s", abs, filepath.Join(abs, "harvest2runn.duckdb"))
	}
	// The lock file and the page folder are created beside the warehouse: the folder must be
	// writable even when the file exists.
	if err := syscall.Access(dir, accessW|accessX); err != nil {
		return configErrorf(err, "warehouse folder %s cannot be written by this user (%v): fix its permissions or choose another --warehouse / HARVEST2RUNN_WAREHOUSE", dir, err)
	}
	if err := syscall.Access(abs, accessR|accessW); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return configErrorf(err, "warehouse %s cannot be written by this user (%v): fix its permissions or choose another --warehouse / HARVEST2RUNN_WAREHOUSE", abs, err)
	}
	return nil
}

// access(2) modes; the syscall package does not name them.
const (
	accessR = 0o4
	accessW = 0o2
	accessX = 0o1
)

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Modes of what harvest2runn keeps: the warehouse holds emails and cost rates, so only its
// owner may read it, whatever the umask.
const (
	fileMode = 0o600
	dirMode  = 0o700
)

// tighten makes an existing warehouse private: versions before this one created the file, the
// lock, the page folder and its files readable by every local user. A file this user does not
// own is left as it is (chmod is refused; it is its owner's to change).
func tighten(abs string, isDefault bool) error {
	paths := map[string]os.FileMode{abs: fileMode, abs + ".wal": fileMode, lockPath(abs): fileMode, PagesDir(abs): dirMode}
	if isDefault {
		paths[filepath.Dir(abs)] = dirMode
	}
	if pages, err := os.ReadDir(PagesDir(abs)); err == nil {
		for _, p := range pages {
			if p.Type().IsRegular() {
				paths[filepath.Join(PagesDir(abs), p.Name())] = fileMode
			}
		}
	}
	var errs []error
	for p, mode := range paths {
		st, err := os.Lstat(p)
		if err != nil || st.Mode()&os.ModeSymlink != 0 || st.Mode().Perm()&^mode == 0 {
			continue
		}
		if err := os.Chmod(p, st.Mode().Perm()&mode); err != nil && !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("make %s private: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// AbsPath is the absolute path of the warehouse at path (the account's default one when empty),
// as Open resolves it: the run lock is named after it.
func AbsPath(path string) (string, error) {
	abs, _, err := resolve(path)
	return abs, err
}
