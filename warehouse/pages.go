package warehouse

import (
	"fmt"
	"path/filepath"
	"strings"
)

// PageFile names the file that holds the page bodies of one extract: name is relative to the
// warehouse's folder, as raw.pages.body_file keeps it (so that the warehouse and its page
// folder can be moved together), and path is where it is now.
func (w *Warehouse) PageFile(source string, extractID int64) (name, path string) {
	name = filepath.Join(filepath.Base(w.PagesDir()), pageFileBase(source, extractID))
	return name, filepath.Join(filepath.Dir(w.path), name)
}

func pageFileBase(source string, extractID int64) string {
	return fmt.Sprintf("%s-extract-%d.json.zst", source, extractID)
}

// pageFilesOf lists the page files on disk of an extract, whatever its source: an extract that
// landed no page has its (empty) file, which no raw.pages row names.
func (w *Warehouse) pageFilesOf(extractID int64) []string {
	m, _ := filepath.Glob(filepath.Join(w.PagesDir(), pageFileBase("*", extractID)))
	return m
}

// pageFilePath resolves a raw.pages body_file (relative to the warehouse's folder), refusing any
// that would lead outside the warehouse's page folder: prune deletes what it resolves to.
func (w *Warehouse) pageFilePath(bodyFile string) (string, error) {
	path := filepath.Join(filepath.Dir(w.path), bodyFile)
	rel, err := filepath.Rel(w.PagesDir(), path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("page file %q is not in %s: not removing it", bodyFile, w.PagesDir())
	}
	return path, nil
}
