package transform

import "context"

// ModelProgress is how far a transform has got: Done of Total models materialised, Model the
// one starting (Done == Total: all done).
type ModelProgress struct {
	Model       string
	Done, Total int
}

type progressKey struct{}

// WithProgress returns a context under which Run reports each model as it starts, to fn. Like
// net/http/httptrace, an observer rides the context so that the pipelines between the command
// and the transform need not carry it.
func WithProgress(ctx context.Context, fn func(ModelProgress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// reportProgress calls the context's progress function, if any.
func reportProgress(ctx context.Context, p ModelProgress) {
	if fn, ok := ctx.Value(progressKey{}).(func(ModelProgress)); ok && fn != nil {
		fn(p)
	}
}
