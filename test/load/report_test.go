package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMedianRunByScore(t *testing.T) {
	run := func(name string, ok int, hash time.Duration) result {
		return result{name: name, ok: ok, elapsed: time.Second,
			hashBefore: hashCost{single: hash}, hashAfter: hashCost{single: hash}}
	}
	results := []result{
		run("profile", 9000, 0), run("login", 60, 40*time.Millisecond), run("profile", 6000, 0),
		run("login", 50, 20*time.Millisecond), run("profile", 7000, 0), run("login", 40, 40*time.Millisecond),
		run("code", 400, 0),
	}

	r, n := median(results, "profile", result.rate)
	assert.Equal(t, 3, n)
	assert.Equal(t, 7000, r.ok)

	// Judged by share of the bound, not by rate: 60/s of 50/s, 40/s of 50/s, 50/s of 100/s.
	r, n = median(results, "login", result.boundShare)
	assert.Equal(t, 3, n)
	assert.Equal(t, 40, r.ok)

	_, n = median(results, "register", result.rate)
	assert.Zero(t, n)
}
