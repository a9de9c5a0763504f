package transform

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	models "github.com/harvest2runn/harvest2runn/sql"
)

// model is one SQL file: a SELECT materialised as schema.name.
type model struct {
	schema, name, file, sql string
	deps                    []string // schema.name of the models it reads
}

func (m model) table() string { return m.schema + "." + m.name }

// layers maps a folder of sql/ to the schema its models land in.
var layers = map[string]string{
	"10_staging":      "staging",
	"20_intermediate": "intermediate",
	"30_changes":      "changes",
	"40_reports":      "report",
}

const (
	auditFolder = "90_audits"
	viewFolder  = "50_views"
)

var (
	modelName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	reference = regexp.MustCompile(`\b(staging|intermediate|changes|report)\.([a-z][a-z0-9_]*)\b`)
)

// loadModels reads the models in dependency order: a model runs after every model it names as
// schema.table (run_context is the runner's own table). Audits and analysts' views (over plan.*
// and raw.*, made after the plan is kept) come back apart.
func loadModels(fsys fs.FS) (ordered, audits, views []model, err error) {
	byTable := map[string]model{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sql") {
			return err
		}
		dir, file := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		name := strings.TrimSuffix(file, ".sql")
		if !modelName.MatchString(name) {
			return fmt.Errorf("model file %s: name it with lower-case letters, digits and underscores", p)
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		m := model{name: name, file: p, sql: strings.TrimRight(strings.TrimSpace(string(body)), ";")}
		switch dir {
		case auditFolder:
			m.schema = "audit"
			audits = append(audits, m)
			return nil
		case viewFolder:
			m.schema = "analytics"
			views = append(views, m)
			return nil
		}
		schema, ok := layers[dir]
		if !ok {
			return fmt.Errorf("model file %s is in no known layer folder", p)
		}
		m.schema = schema
		for _, ref := range reference.FindAllStringSubmatch(stripComments(m.sql), -1) {
			t := ref[1] + "." + ref[2]
			if t != m.table() && t != "staging.run_context" && !contains(m.deps, t) {
				m.deps = append(m.deps, t)
			}
		}
		byTable[m.table()] = m
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range byTable {
		for _, d := range m.deps {
			if _, ok := byTable[d]; !ok {
				return nil, nil, nil, fmt.Errorf("model %s reads %s, which no model in sql/ makes", m.file, d)
			}
		}
	}
	sort.Slice(audits, func(i, j int) bool { return audits[i].name < audits[j].name })
	sort.Slice(views, func(i, j int) bool { return views[i].name < views[j].name })
	ordered, err = topoSort(byTable)
	return ordered, audits, views, err
}

// topoSort orders models so that each comes after its dependencies; ties go by layer, then
// name, so the order is stable.
func topoSort(byTable map[string]model) ([]model, error) {
	names := make([]string, 0, len(byTable))
	for t := range byTable {
		names = append(names, t)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := byTable[names[i]], byTable[names[j]]
		if a.file[:2] != b.file[:2] {
			return a.file < b.file
		}
		return a.name < b.name
	})
	state := map[string]int{} // 1 visiting, 2 done
	var out []model
	var visit func(t string, path []string) error
	visit = func(t string, path []string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("models depend on each other in a circle: %s", strings.Join(append(path, t), " -> "))
		case 2:
			return nil
		}
		state[t] = 1
		m := byTable[t]
		deps := append([]string(nil), m.deps...)
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, append(path, t)); err != nil {
				return err
			}
		}
		state[t] = 2
		out = append(out, m)
		return nil
	}
	for _, t := range names {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var lineComment = regexp.MustCompile(`--[^\n]*`)

func stripComments(s string) string { return lineComment.ReplaceAllString(s, "") }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// embedded are the models, audits and views shipped in the binary.
func embedded() (ordered, audits, views []model, err error) { return loadModels(models.Files) }
