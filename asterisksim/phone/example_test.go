package phone_test

import (
	"context"
	"fmt"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// A caller who dials 165, waits for the main menu, asks for contributions, keys a NIK and hangs up after
// the readout. The same code runs against the simulator (sim.URL()) and a real Asterisk.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := phone.Connect(ctx, phone.Options{URL: "http://127.0.0.1:8088/ari", User: "vika", Password: "secret"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	call, err := p.Dial(ctx, "165", "081234567890") // Local/165@from-mobile
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := call.WaitPrompt(ctx, "main-menu"); err != nil {
		fmt.Println(err)
		return
	}
	call.Press(ctx, "2")                                                     // barge-in: the menu is cut
	call.WaitPrompt(ctx, "enter-id")                                         // then the identity prompt
	call.Press(ctx, "3507014501900003", phone.Between(150*time.Millisecond)) // 16 digits end entry by themselves
	call.WaitSilence(ctx, 3*time.Second)                                     // the readout is over
	call.Hangup(ctx)
	fmt.Print(call.Transcript()) // prompts with start, length and CUT, keys, who hung up
}
