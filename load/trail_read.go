package load

// IsAdoption reports whether the attempt is an adopted create: not sent because Runn already
// had the record (R17, R1). Readers of the trail outside this package (the compact audit) use it.
func (r TrailRow) IsAdoption() bool { return r.isAdoption() }
