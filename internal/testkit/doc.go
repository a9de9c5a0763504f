// Package testkit holds the test doubles that the tests share: a fake clock, so that rate-limit
// pauses and backoff cost no real time and can be checked, a log buffer that several goroutines
// may write to, and Ptr for the optional fields of fixtures. It is imported only by tests and
// uses only the standard library, so that harvest and runn stay free of other dependencies
// (what needs a warehouse is in testwarehouse).
package testkit
