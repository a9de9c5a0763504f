package pipelines

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
)

// The output contract (issue 11): a write's target as numbers, never "harvest:12" (R14's trail).
func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		kind, key string
		want      Target
	}{
		{"project", "harvest:14304521", Target{HarvestID: testkit.Ptr(int64(14304521))}},
		{"role", "role:designer", Target{RoleKey: testkit.Ptr("designer")}},
		{"actual", "2025-06-02 person 880001 project 990002 role 12", Target{Date: testkit.Ptr("2025-06-02"),
			RunnPersonID: testkit.Ptr(int64(880001)), RunnProjectID: testkit.Ptr(int64(990002)), RunnRoleID: testkit.Ptr(int64(12))}},
		{"actual", "2025-06-02 person harvest:7 project harvest:8 role role:dev", Target{Date: testkit.Ptr("2025-06-02"),
			HarvestUserID: testkit.Ptr(int64(7)), HarvestProjectID: testkit.Ptr(int64(8)), RoleKey: testkit.Ptr("dev")}},
		{"actual", "not a key", Target{}},
	} {
		if diff := cmp.Diff(tc.want, ParseTarget(tc.kind, tc.key)); diff != "" {
			t.Errorf("%s %q (-want +got):\n%s", tc.kind, tc.key, diff)
		}
	}
}
