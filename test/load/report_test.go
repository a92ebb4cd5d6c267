package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMedianRunByScore(t *testing.T) {
	run := func(name string, ok int, hashesPerSecond float64) result {
		return result{name: name, ok: ok, elapsed: time.Second,
			hashBefore: hashCost{parallelRate: hashesPerSecond}, hashAfter: hashCost{parallelRate: hashesPerSecond}}
	}
	results := []result{
		run("profile", 9000, 0), run("login", 60, 50), run("profile", 6000, 0),
		run("login", 50, 100), run("profile", 7000, 0), run("login", 40, 50),
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
