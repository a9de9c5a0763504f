package htmlreport

import (
	"fmt"
	"html/template"
	"strings"
)

// Chart geometry, in SVG user units; the SVG scales to the page's width.
const (
	chartW, chartH           = 720, 190
	marginL, marginR         = 64, 16
	marginT, marginB         = 12, 34
	maxXLabels               = 12
	minScale         float64 = 60 // an hour: an empty chart still has an axis
)

// seriesDef is one line of a chart: what it draws, its name and its look (styles in the page).
type seriesDef struct {
	key, label string
	value      func(Week) int64
}

var chartSeries = []seriesDef{
	{"harvest", "Harvest", func(w Week) int64 { return w.Harvest }},
	{"runn-before", "Runn before the run", func(w Week) int64 { return w.RunnBefore }},
	{"runn-after", "Runn after the run", func(w Week) int64 { return w.RunnAfter }},
}

// chart draws a series' weeks as inline SVG: a line per seriesDef with a point per week, and
// the weeks with a discrepancy behind a highlighted band. Every point and band carries a
// <title>, which browsers show on hover, so no script is needed.
func chart(s Series) template.HTML {
	var b strings.Builder
	n := len(s.Weeks)
	top := minScale
	for _, w := range s.Weeks {
		for _, d := range chartSeries {
			top = max(top, float64(d.value(w)))
		}
	}
	top, ticks := niceCeil(top)
	plotW, plotH := float64(chartW-marginL-marginR), float64(chartH-marginT-marginB)
	x := func(i int) float64 {
		if n <= 1 {
			return marginL + plotW/2
		}
		return marginL + plotW*float64(i)/float64(n-1)
	}
	y := func(v int64) float64 { return marginT + plotH*(1-max(0, float64(v))/top) }
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s: minutes per week, Harvest against Runn before and after the run" data-weeks="%d">`,
		chartW, chartH, template.HTMLEscapeString(s.Name), n)
	band := plotW / float64(max(n, 2)-1)
	for i, w := range s.Weeks {
		if w.Discrepancy != 0 {
			fmt.Fprintf(&b, `<rect class="discrepancy" x="%.1f" y="%d" width="%.1f" height="%.1f"><title>week of %s: discrepancy %s min (Harvest %d, excluded %d, Runn after %d)</title></rect>`,
				x(i)-band/2, marginT, band, plotH, w.Week, signedMinutes(w.Discrepancy), w.Harvest, w.Excluded, w.RunnAfter)
		}
	}
	axes(&b, top, ticks, n, s.Weeks, x, y)
	for _, d := range chartSeries {
		fmt.Fprintf(&b, `<g class="series %s" data-series="%s"><polyline points="`, d.key, d.key)
		for i, w := range s.Weeks {
			fmt.Fprintf(&b, "%.1f,%.1f ", x(i), y(d.value(w)))
		}
		b.WriteString(`"/>`)
		for i, w := range s.Weeks {
			fmt.Fprintf(&b, `<circle class="point" cx="%.1f" cy="%.1f" r="3" data-minutes="%d"><title>%s, week of %s: %d min</title></circle>`,
				x(i), y(d.value(w)), d.value(w), d.label, w.Week, d.value(w))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped names only
}

// axes draws the hour gridlines and a readable subset of week labels.
func axes(b *strings.Builder, top float64, ticks, n int, weeks []Week, x func(int) float64, y func(int64) float64) {
	for i := 0; i <= ticks; i++ {
		v := int64(top * float64(i) / float64(ticks))
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`,
			marginL, chartW-marginR, y(v), y(v), marginL-6, y(v)+4, hoursLabel(v))
	}
	step := max(1, (n+maxXLabels-1)/maxXLabels)
	for i := 0; i < n; i += step {
		fmt.Fprintf(b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), chartH-marginB+18, weeks[i].Week[5:])
	}
}

// niceCeil rounds a scale's top up to hours of 1, 2 or 5 × 10^k and gives the number of
// gridline steps that divide it into round values (5 h in 5, 2 h in 4 of 30 min).
func niceCeil(v float64) (top float64, ticks int) {
	h := v / 60
	for m := 1.0; ; m *= 10 {
		for _, f := range []float64{1, 2, 5} {
			if h <= f*m {
				if f == 2 {
					return f * m * 60, 4
				}
				return f * m * 60, 5
			}
		}
	}
}

func hoursLabel(m int64) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%.1f h", float64(m)/60)
}

func signedMinutes(n int64) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}
