// Package testkit holds the test doubles that the Harvest and Runn client tests share: a fake
// clock, so that rate-limit pauses and backoff cost no real time and can be checked, and a log
// buffer that several goroutines may write to. It is imported only by tests and uses only the
// standard library, so that harvest and runn stay free of other dependencies.
package testkit
