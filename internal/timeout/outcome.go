package timeout

import (
	"encoding/json"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// JSON returns o in the form described by schemas/timeout-result.schema.json,
// tagged with [ResultSchemaID]. Empty process lists are written as [].
func (o Outcome) JSON() ([]byte, error) {
	o.SchemaID = ResultSchemaID
	if o.Leftovers == nil {
		o.Leftovers = []proc.ProcessInfo{}
	}
	if o.Survivors == nil {
		o.Survivors = []proc.ProcessInfo{}
	}
	return json.Marshal(o)
}
