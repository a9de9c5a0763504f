package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"
)

// defaultShow is how many records of each group a text plan lists before "... and N more":
// enough to see what a group does, few enough that a first sync's plan stays readable.
const defaultShow = 3

// showFlag is --show: how many records of each group of a text plan to list, or all of them.
// Its zero value is the default, so that a command without the flag (schedule) prints plans
// like one with it.
type showFlag struct {
	n   int
	all bool
	set bool
}

// showAll lists every record.
var showAll = showFlag{all: true, set: true}

func (s *showFlag) String() string {
	switch {
	case s.all:
		return "all"
	case !s.set:
		return strconv.Itoa(defaultShow)
	}
	return strconv.Itoa(s.n)
}

func (s *showFlag) Set(v string) error {
	if v == "all" {
		*s = showAll
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a number of records: give 0 or more, or all", v)
	}
	*s = showFlag{n: n, set: true}
	return nil
}

func (s *showFlag) Type() string { return "N|all" }

// register adds --show to fs.
func (s *showFlag) register(fs *pflag.FlagSet) {
	fs.Var(s, "show", "in the text plan, list the first N records of each group (each kind of record created; each person and project) and count the rest; all lists every one")
}

// limit is how many of n records to list.
func (s showFlag) limit(n int) int {
	switch {
	case s.all:
		return n
	case !s.set:
		return min(n, defaultShow)
	}
	return min(n, s.n)
}
