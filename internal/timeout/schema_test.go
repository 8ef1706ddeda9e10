package timeout

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/schematest"
)

const schemaPath = "../../schemas/timeout-result.schema.json"

var resultSchema = sync.OnceValues(func() (*schematest.Schema, error) { return schematest.Load(schemaPath) })

// schemaMu serialises validation: schematest.Schema resolves $refs lazily
// and is not safe for concurrent use (the matrix runs in parallel).
var schemaMu sync.Mutex

// checkSchema fails t unless o's JSON follows the timeout-result schema.
func checkSchema(t testing.TB, o Outcome) {
	t.Helper()
	s, err := resultSchema()
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.JSON()
	if err != nil {
		t.Fatal(err)
	}
	schemaMu.Lock()
	err = s.Validate(b)
	schemaMu.Unlock()
	if err != nil {
		t.Errorf("outcome does not follow %s: %v\n%s", schemaPath, err, b)
	}
}

// TestOutcomesFollowSchema validates real outcomes, completed and timed
// out, through the default container.
func TestOutcomesFollowSchema(t *testing.T) {
	done, err := Run(exec.Command("sh", "-c", "exit 7"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	timedOut, err := Run(exec.Command("sleep", "30"), Config{Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if done.ExitCode != 7 || timedOut.Status != StatusTimedOut || timedOut.SignalSent != "SIGTERM" {
		t.Errorf("outcomes %+v and %+v", done, timedOut)
	}
	checkSchema(t, done)
	checkSchema(t, timedOut)
}

// TestSchemaRejectsWrongOutcomes shows the schema check can fail.
func TestSchemaRejectsWrongOutcomes(t *testing.T) {
	s, err := resultSchema()
	if err != nil {
		t.Fatal(err)
	}
	good, err := Outcome{Status: StatusCompleted, TreeKillReliability: "guaranteed", GroupingRequested: "group_by_default",
		GroupingEffective: "subreaper", Mechanism: "subreaper"}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(good); err != nil {
		t.Fatalf("a valid outcome was refused: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(string(good), `"completed"`, `"timeout"`, 1),
		strings.Replace(string(good), `"guaranteed"`, `"certain"`, 1),
		strings.Replace(string(good), `"escalated":false`, `"escalated":false,"extra":1`, 1),
		strings.Replace(string(good), `"escalated":false`, `"escalated":false,"container_lost":""`, 1),
	} {
		if s.Validate([]byte(bad)) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}
