package extract

import (
	"slices"
	"testing"
)

// TestPartitionDays (issue 14): the split of the window's actuals into date ranges read side by
// side, each from one or both ends, costs no request beyond the fewest the page size allows
// (pages of the whole), and among such splits its longest listing is as short as it can be, but
// no shorter than the longest other listing, in as few ranges as that allows.
func TestPartitionDays(t *testing.T) {
	repeat := func(c int64, n int) []int64 { return slices.Repeat([]int64{c}, n) }
	tests := []struct {
		name     string
		counts   []int64
		minPages int64
		want     []int
	}{
		{"no days: one range", nil, 1, []int{0}},
		{"one page in all: one range", []int64{100, 200}, 1, []int{2}},
		{"full pages split evenly", repeat(500, 8), 2, []int{2, 4, 6, 8}},
		{"no range shorter than the longest other listing", repeat(500, 8), 4, []int{4, 8}},
		{"the longest other listing longer than the actuals: one range", repeat(500, 3), 5, []int{3}},
		// An even split ([300 300] [300 300]) takes 4 pages where 3 suffice; [300 300 300] is
		// read from both ends, a page each.
		{"part pages put together", repeat(300, 4), 1, []int{1, 4}},
		// Within 2 pages a listing, the two half days must share one.
		{"the least cap in the fewest ranges", []int64{500, 500, 500, 250, 250, 500}, 1, []int{1, 3, 6}},
		// 250 a day: ranges of an even number of days fill their pages (one end each); an odd
		// number costs half a page. 4 ranges of 5 days, the even split, take 12 pages.
		{"twenty days of half a page", repeat(250, 20), 2, []int{2, 8, 14, 20}},
		// 510 a day: every range ends with a part page of 10 records per day, so any split costs
		// a request more than the whole, which both ends read in 6 pages each.
		{"no split reaches the fewest: one range", repeat(510, 10), 3, []int{10}},
		{"a last page not full: both ends of one range", append(repeat(500, 4), 100), 3, []int{5}},
		{"full pages: one end of each range", repeat(500, 6), 3, []int{3, 6}},
		{"empty days cost nothing in a range", []int64{0, 500, 0, 500, 0}, 1, []int{2, 5}},
	}
	const size = 500
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := partitionDays(tt.counts, size, tt.minPages, maxActualsRanges)
			if !slices.Equal(got, tt.want) {
				t.Errorf("partitionDays(%v, minPages %d) = %v, want %v", tt.counts, tt.minPages, got, tt.want)
			}
			if len(got) > maxActualsRanges || len(got) == 0 || got[len(got)-1] != len(tt.counts) {
				t.Fatalf("partitionDays(%v) = %v: not at most %d ranges covering every day", tt.counts, got, maxActualsRanges)
			}
			var total, pages int64
			start := 0
			for _, end := range got {
				if end <= start && len(tt.counts) > 0 {
					t.Fatalf("partitionDays(%v) = %v: an empty range", tt.counts, got)
				}
				var n int64
				for _, c := range tt.counts[start:end] {
					n += c
				}
				total += n
				p, _ := rangeReads(n, size)
				pages += p
				start = end
			}
			if fewest := pagesOf(total, size); pages != fewest {
				t.Errorf("partitionDays(%v) = %v takes %d pages, the fewest are %d", tt.counts, got, pages, fewest)
			}
		})
	}
}
