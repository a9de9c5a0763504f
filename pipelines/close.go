package pipelines

import (
	"errors"
	"io"
)

// closeInto closes w and joins a failure to *err: a command that wrote to the warehouse has
// failed when the warehouse could not be written at the end (a *warehouse.WriteError).
func closeInto(w io.Closer, err *error) {
	if cerr := w.Close(); cerr != nil {
		*err = errors.Join(*err, cerr)
	}
}
