package sql

// These tests keep docs/rules.md in step with the code: every sync rule that a model, an audit or
// a golden scenario cites has a section there, and every file the page points to exists. They
// only read files (the test's working directory is sql/, the repository is ..), so they link no
// DuckDB and run in a moment.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	repoRoot  = ".."
	rulesDoc  = "docs/rules.md"
	scenarios = "testdata/scenarios"
)

// pendingFiles are cited by docs/rules.md while other branches of issue 10 add them (the R17 (b),
// (c) checks and the "Implausible time" person-days): they may be missing until those branches
// are merged, and must be cited by the page, so that the list cannot outlive its purpose
// unnoticed.
var pendingFiles = []string{
	"sql/40_reports/rpt_safety_checks.sql",
	"sql/20_intermediate/int_actuals__implausible_days.sql",
}

var (
	// A rule id: R, digits, at most one lower-case letter (R1a, R17b); "R17 (b)" is R17.
	ruleIDPattern = regexp.MustCompile(`\bR([0-9]+)([a-z]?)\b`)
	// A scenario folder named after the rule it pins down: r06_roles_smart_matching is R6.
	scenarioDirPattern = regexp.MustCompile(`^r([0-9]+)([a-z]?)(?:_|$)`)
	// A section heading that starts with a rule id: "## R1a Possible duplicates ...".
	headingPattern = regexp.MustCompile(`^#{1,6}\s+R([0-9]+)([a-z]?)\b`)
	// An inline code span.
	codeSpanPattern = regexp.MustCompile("`([^`\n]+)`")
	// A code span that is a path in the repository: relative, segments joined by slashes.
	pathPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+/(?:[A-Za-z0-9_.-]+/?)*$`)
)

// ruleID spells a rule id one way whatever its leading zeros: R06 and r06 are R6.
func ruleID(digits, letter string) string {
	n, err := strconv.Atoi(digits)
	if err != nil {
		// Only digits reach here; a number too long for an int is kept as written.
		return "R" + digits + letter
	}
	return "R" + strconv.Itoa(n) + letter
}

// ruleIDs lists the rule ids a text cites, in order.
func ruleIDs(text string) []string {
	var ids []string
	for _, m := range ruleIDPattern.FindAllStringSubmatch(text, -1) {
		ids = append(ids, ruleID(m[1], m[2]))
	}
	return ids
}

// scenarioDirRule is the rule a scenario folder is named after, or "".
func scenarioDirRule(name string) string {
	m := scenarioDirPattern.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	return ruleID(m[1], m[2])
}

// headingRule is the rule a Markdown heading opens a section for, or "".
func headingRule(line string) string {
	m := headingPattern.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return ruleID(m[1], m[2])
}

// citedPaths lists the code spans of a line that are repository paths.
func citedPaths(line string) []string {
	var paths []string
	for _, m := range codeSpanPattern.FindAllStringSubmatch(line, -1) {
		if pathPattern.MatchString(m[1]) {
			paths = append(paths, m[1])
		}
	}
	return paths
}

// citation is a rule id, or a path, and where it was cited (file:line, or a folder).
type citation struct {
	id, where string
}

// docLine is a line of docs/rules.md outside fenced code blocks.
type docLine struct {
	n    int
	text string
}

func readDoc(t *testing.T) []docLine {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, rulesDoc))
	if err != nil {
		t.Fatalf("read the rules page: %v (every sync rule must be explained in %s)", err, rulesDoc)
	}
	defer f.Close()
	var lines []docLine
	fenced := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(text), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			lines = append(lines, docLine{n: n, text: text})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", rulesDoc, err)
	}
	return lines
}

// docSections lists the rules docs/rules.md has a section for.
func docSections(t *testing.T) map[string]bool {
	t.Helper()
	sections := map[string]bool{}
	for _, l := range readDoc(t) {
		if id := headingRule(l.text); id != "" {
			sections[id] = true
		}
	}
	return sections
}

// sqlCitations lists the rule ids cited in the files under sql/: models, audits and the package
// itself. Test files are left out: their cases cite made-up ids on purpose.
func sqlCitations(t *testing.T) []citation {
	t.Helper()
	var cites []citation
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, id := range ruleIDs(line) {
				cites = append(cites, citation{id: id, where: fmt.Sprintf("sql/%s:%d", filepath.ToSlash(path), i+1)})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk sql/: %v", err)
	}
	return cites
}

// scenarioDirCitations lists the rules the golden scenarios' folder names cite.
func scenarioDirCitations(t *testing.T) []citation {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, scenarios))
	if err != nil {
		t.Fatalf("list the golden scenarios: %v", err)
	}
	var cites []citation
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if id := scenarioDirRule(e.Name()); id != "" {
			cites = append(cites, citation{id: id, where: "the folder name of " + scenarios + "/" + e.Name()})
		}
	}
	return cites
}

// scenarioRuleCitations lists the rules in the "rules" list of every scenario.json. An entry
// that is no rule id fails the test: a typo there would hide a rule from this check.
func scenarioRuleCitations(t *testing.T) []citation {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, scenarios, "*", "scenario.json"))
	if err != nil {
		t.Fatalf("find the scenarios' scenario.json: %v", err)
	}
	var cites []citation
	for _, f := range files {
		rel := filepath.ToSlash(strings.TrimPrefix(f, repoRoot+string(filepath.Separator)))
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", rel, err)
		}
		var s struct {
			Rules []string `json:"rules"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		for i, r := range s.Rules {
			ids := ruleIDs(r)
			if len(ids) == 0 {
				t.Errorf("%s: rules[%d] = %q is not a rule id (R1, R1a, R17 ...)", rel, i, r)
			}
			for _, id := range ids {
				cites = append(cites, citation{id: id, where: fmt.Sprintf("%s (rules[%d])", rel, i)})
			}
		}
	}
	return cites
}

// TestRulesDocCoversEveryCitedRule: a rule that a model, an audit or a scenario cites has a
// section in docs/rules.md whose heading starts with its id (R1a, R17 ...).
func TestRulesDocCoversEveryCitedRule(t *testing.T) {
	sections := docSections(t)
	if len(sections) == 0 {
		t.Fatalf("%s has no section for any rule (a heading such as \"## R1 Matching ...\")", rulesDoc)
	}
	for _, src := range []struct {
		name    string
		collect func(*testing.T) []citation
	}{
		{"sql models and audits", sqlCitations},
		{"scenario folder names", scenarioDirCitations},
		{"scenario.json rules", scenarioRuleCitations},
	} {
		t.Run(src.name, func(t *testing.T) {
			cites := src.collect(t)
			if len(cites) == 0 {
				t.Fatalf("no rule id found in the %s: the search is broken, not the page", src.name)
			}
			missing := map[string][]string{}
			for _, c := range cites {
				if !sections[c.id] {
					missing[c.id] = append(missing[c.id], c.where)
				}
			}
			ids := make([]string, 0, len(missing))
			for id := range missing {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				t.Errorf("rule %s has no section in %s (a heading starting with %q), but it is cited in %s",
					id, rulesDoc, id, places(missing[id]))
			}
		})
	}
}

// places lists where something was cited, the first few in full.
func places(where []string) string {
	const shown = 5
	if len(where) <= shown {
		return strings.Join(where, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(where[:shown], ", "), len(where)-shown)
}

// TestRulesDocPathsExist: every file or folder docs/rules.md cites in a code span exists in the
// repository, except the pendingFiles other branches are adding, which the page must cite.
func TestRulesDocPathsExist(t *testing.T) {
	cited := map[string]bool{}
	var found int
	for _, l := range readDoc(t) {
		for _, p := range citedPaths(l.text) {
			found++
			cited[strings.TrimSuffix(p, "/")] = true
			_, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(p)))
			switch {
			case err == nil:
			case errors.Is(err, fs.ErrNotExist) && slices.Contains(pendingFiles, p):
				t.Logf("%s:%d cites %s, which another branch of issue 10 adds", rulesDoc, l.n, p)
			case errors.Is(err, fs.ErrNotExist):
				t.Errorf("%s:%d cites %s, which does not exist in the repository", rulesDoc, l.n, p)
			default:
				t.Errorf("%s:%d cites %s: %v", rulesDoc, l.n, p, err)
			}
		}
	}
	if found == 0 {
		t.Fatalf("%s cites no path at all: the search is broken, not the page", rulesDoc)
	}
	for _, p := range pendingFiles {
		if !cited[p] {
			t.Errorf("%s is listed as a file being added for %s, but %s does not cite it: drop it from pendingFiles",
				p, rulesDoc, rulesDoc)
		}
	}
}

// The parsers the two tests rely on, on the forms the repository uses.
func TestRuleCitationParsing(t *testing.T) {
	for _, tc := range []struct {
		kind, in string
		want     []string
	}{
		{"text", "R17 (b) and (c) are lifted", []string{"R17"}},
		{"text", "possible duplicates (R1a)", []string{"R1a"}},
		{"text", "stop R17b, R17c", []string{"R17b", "R17c"}},
		{"text", "the sync rules (R1..R15)", []string{"R1", "R15"}},
		{"text", "the actuals rules (R7–R14)", []string{"R7", "R14"}},
		{"text", "R8 (c): the contract in force", []string{"R8"}},
		{"text", "R10's window, 'R2 R5 R6'", []string{"R10", "R2", "R5", "R6"}},
		{"text", "R06", []string{"R6"}},
		{"text", "ROUND(x) FOR1 xR2 R_3 R", nil},
		{"scenario folder", "r06_roles_smart_matching", []string{"R6"}},
		{"scenario folder", "r01_match_by_reference_only", []string{"R1"}},
		{"scenario folder", "r17a_incomplete_listing", []string{"R17a"}},
		{"scenario folder", "r14", []string{"R14"}},
		{"scenario folder", "implausible_time", nil},
		{"scenario folder", "rx_1", nil},
		{"heading", "## R1 Matching is by Harvest ID only", []string{"R1"}},
		{"heading", "### R17b A source that shrank implausibly", []string{"R17b"}},
		{"heading", "## R1a Possible duplicates", []string{"R1a"}},
		{"heading", "### Identity (R1)", nil},
		{"heading", "R1 is not a heading", nil},
		{"heading", "#R1 needs a space", nil},
		{"paths", "see `sql/20_intermediate/int_people.sql` and `testdata/scenarios/r11_entry_moved`",
			[]string{"sql/20_intermediate/int_people.sql", "testdata/scenarios/r11_entry_moved"}},
		{"paths", "`sql/` and `load/creates.go`", []string{"sql/", "load/creates.go"}},
		{"paths", "`plan.chg_runn__actuals`, `/v2/roles`, `--only`, `round(hours × 60)`, `R2 R5 R6`", nil},
	} {
		t.Run(tc.kind+" "+tc.in, func(t *testing.T) {
			var got []string
			switch tc.kind {
			case "text":
				got = ruleIDs(tc.in)
			case "scenario folder":
				if id := scenarioDirRule(tc.in); id != "" {
					got = []string{id}
				}
			case "heading":
				if id := headingRule(tc.in); id != "" {
					got = []string{id}
				}
			case "paths":
				got = citedPaths(tc.in)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s %q: got %q, want %q", tc.kind, tc.in, got, tc.want)
			}
		})
	}
}
