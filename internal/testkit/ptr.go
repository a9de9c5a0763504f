package testkit

// Ptr returns a pointer to a copy of v, for the optional fields of fixtures:
// Ptr(480.0), Ptr[int64](12), Ptr("employee").
func Ptr[T any](v T) *T { return &v }
