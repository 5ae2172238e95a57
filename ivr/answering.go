package ivr

import "time"

// answerQueueTimeout is how long a call may wait, unanswered, for its turn to be answered (WithAnswerLimit) before
// it is answered anyway. The caller is still in the ringing phase, where a few seconds are normal; after this the
// line is so far behind that holding callers longer would only trade one failure for another.
const answerQueueTimeout = 10 * time.Second

// WithAnswerLimit lets at most n calls be in their answering (Answer, then the channel's language) at once; the
// others wait their turn unanswered. Callers dialling in the same instant would otherwise put all their first
// requests at once into the ARI client's bounded pool, where they queue behind one another past their deadline
// (5,000 in one instant: thousands of answers queued for 50 connections, a third of the calls failed) while the
// calls already in progress wait behind them for their replies. Serve gives half its ARI pool: the other half
// is for the calls in progress. n ≤ 0 means no limit (the default).
func WithAnswerLimit(n int) Option {
	return func(a *App) {
		a.answering = nil
		if n > 0 {
			a.answering = make(chan struct{}, n)
		}
	}
}

// awaitAnswerTurn waits for one of the App's answering slots (WithAnswerLimit) and returns the func that gives
// it back. While it waits it still notices a hang-up (the caller gave up ringing) and the App stopping. A call
// that has waited answerQueueTimeout goes ahead without a slot, so that no caller waits unanswered for ever.
func (s *session) awaitAnswerTurn() (release func(), err error) {
	slots := s.app.answering
	if slots == nil {
		return func() {}, nil
	}
	give := func() { <-slots }
	select {
	case slots <- struct{}{}:
		return give, nil
	default:
	}
	s.app.stats.answerWaiting.Add(1)
	defer s.app.stats.answerWaiting.Add(-1)
	t := s.timer(answerQueueTimeout)
	defer t.Stop()
	for {
		select {
		case slots <- struct{}{}:
			return give, nil
		case <-t.C:
			s.app.stats.answeredOutOfTurn()
			return func() {}, nil
		case <-s.ctx.Done():
			return nil, errShutdown
		case <-s.mb.Ready():
			if err := s.drain(); err != nil {
				return nil, err
			}
		}
	}
}
