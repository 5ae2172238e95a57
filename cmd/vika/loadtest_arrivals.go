package main

import (
	"context"
	"math/rand/v2"
	"time"
)

// pacer spaces the calls' arrivals as a Poisson process of rate calls per second (exponential gaps, a fixed seed so
// that runs compare): how calls reach a line, and what lets a real Asterisk, which sets up each channel in turn, be
// measured at a stated rate rather than with every caller dialling in the same instant. Rate 0 sends each call as
// soon as a place among --concurrency frees.
type pacer struct {
	rate float64
	rng  *rand.Rand
	next time.Time
}

func newPacer(rate float64) *pacer {
	return &pacer{rate: rate, rng: rand.New(rand.NewPCG(1, 18)), next: time.Now()}
}

// wait blocks until the next arrival is due; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if p.rate <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(time.Until(p.next))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	p.next = p.next.Add(time.Duration(p.rng.ExpFloat64() / p.rate * float64(time.Second)))
	return true
}
