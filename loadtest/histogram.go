package loadtest

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is one set of latencies drawn in a histogram.
type Series struct {
	Name string
	D    []time.Duration
}

// The histogram's x axis is logarithmic, 0.1 ms to 10 s, eight bins a decade: key responses span microseconds
// (a menu key) to seconds (a look-up held to its minimum duration), and a linear axis would hide one or the other.
const (
	histLo, histDecades, histPerDecade = 1e-4, 5, 8
	histW, histH, histMargin           = 900, 420, 60
)

var histColours = []color.RGBA{{31, 119, 180, 255}, {150, 150, 150, 255}, {214, 39, 40, 255}}

// WriteHistogram draws the share of each series' latencies per bin, with each series' p50 and p99 marked, as a PNG.
func WriteHistogram(path, title string, series ...Series) error {
	img := image.NewRGBA(image.Rect(0, 0, histW, histH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	bins := histDecades * histPerDecade
	plotW, plotH := histW-2*histMargin, histH-2*histMargin
	x0, y0 := histMargin, histH-histMargin // the plot's origin, bottom left
	shares := make([][]float64, len(series))
	top := 0.0
	for i, s := range series {
		shares[i] = make([]float64, bins)
		for _, d := range s.D {
			shares[i][bin(d, bins)] += 100 / float64(len(s.D))
		}
		top = max(top, slices.Max(append(shares[i], 0)))
	}
	top = math.Max(5, math.Ceil(top/5)*5)
	grey := color.RGBA{200, 200, 200, 255}
	for dec := 0; dec <= histDecades; dec++ { // vertical grid and x labels
		x := x0 + dec*plotW/histDecades
		vline(img, x, y0-plotH, y0, grey)
		label(img, x-12, y0+16, fmtSeconds(histLo*math.Pow(10, float64(dec))), color.Black)
	}
	for pct := 0.0; pct <= top; pct += top / 5 { // horizontal grid and y labels
		y := y0 - int(pct/top*float64(plotH))
		hline(img, x0, x0+plotW, y, grey)
		label(img, 8, y+4, fmt.Sprintf("%3.0f%%", pct), color.Black)
	}
	barW := plotW / bins
	for i, s := range series { // bars side by side within each bin
		c := histColours[i%len(histColours)]
		w := max(1, barW/len(series))
		for b, v := range shares[i] {
			h := int(v / top * float64(plotH))
			x := x0 + b*barW + i*w
			draw.Draw(img, image.Rect(x, y0-h, x+w-1, y0), &image.Uniform{c}, image.Point{}, draw.Src)
		}
		sorted := slices.Sorted(slices.Values(s.D))
		for _, p := range []int{50, 99} {
			if len(sorted) == 0 {
				continue
			}
			d := sorted[rank(len(sorted), p)]
			x := x0 + int(position(d)*float64(plotW))
			vline(img, x, y0-plotH, y0, c)
			label(img, x+3, y0-plotH+14+14*i+28*(p/99), fmt.Sprintf("p%d %s", p, fmtSeconds(d.Seconds())), c)
		}
		label(img, x0+plotW-230, 34+14*i, fmt.Sprintf("%s (n=%d)", s.Name, len(s.D)), c)
	}
	label(img, x0, 16, title, color.Black)
	label(img, x0+plotW/2-60, histH-12, "latency (log scale)", color.Black)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// position is where d falls on the axis, 0 to 1.
func position(d time.Duration) float64 {
	p := math.Log10(math.Max(d.Seconds(), histLo)/histLo) / histDecades
	return math.Min(math.Max(p, 0), 1)
}

func bin(d time.Duration, bins int) int { return min(int(position(d)*float64(bins)), bins-1) }

func fmtSeconds(s float64) string {
	switch {
	case s < 0.01:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", s*1e3), "0"), ".") + "ms"
	case s < 1:
		return fmt.Sprintf("%.0fms", s*1e3)
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", s), "0"), ".") + "s" // 1.89s, not 1.885741213s
	}
}

func vline(img *image.RGBA, x, ya, yb int, c color.Color) {
	for y := ya; y <= yb; y++ {
		img.Set(x, y, c)
	}
}

func hline(img *image.RGBA, xa, xb, y int, c color.Color) {
	for x := xa; x <= xb; x++ {
		img.Set(x, y, c)
	}
}

func label(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
