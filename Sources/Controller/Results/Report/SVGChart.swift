/// One line of a chart: its name in the legend, how it is drawn, and its points, in
/// segments that are not joined (stages with a pause between them).
struct ChartSeries {
    /// The legend entry and the hover text.
    var name: String
    /// A CSS colour.
    var colour: String
    /// An SVG dash pattern ("6 3"); empty for a solid line.
    var dash: String = ""
    /// The points, in data units, one array per unjoined segment.
    var segments: [[(x: Double, y: Double)]]

    /// Whether the series has anything to draw.
    var isEmpty: Bool { segments.allSatisfy(\.isEmpty) }
}

/// A vertical mark on the x axis: where a stage began.
struct ChartMarker {
    /// Where, in x data units.
    var x: Double
    /// What it says.
    var label: String
}

/// An inline SVG line chart: frame, grid, ticks and labels on both axes, axis titles, one
/// `<path>` per series and a legend, with nothing fetched from anywhere. Without data it says
/// "no data" and draws no path. The `<svg>` carries `data-chart="NAME"` so tests (and
/// readers of the DOM) find each chart.
struct SVGChart {
    /// `data-chart`: latency, throughput, percentiles, errors.
    var name: String
    /// What the chart shows (aria-label).
    var title: String
    /// The horizontal axis.
    var x: ChartAxis
    /// The vertical axis.
    var y: ChartAxis
    /// The lines.
    var series: [ChartSeries]
    /// Vertical marks (stage starts).
    var markers: [ChartMarker] = []

    static let width = 760.0
    static let plotLeft = 72.0
    static let plotRight = 20.0
    static let plotTop = 14.0
    static let plotHeight = 240.0
    /// Room under the plot for tick labels and the axis title.
    static let axisRoom = 44.0
    static let legendRow = 18.0

    /// The `<svg>` element.
    func render() -> String {
        let drawn = series.filter { !$0.isEmpty }
        let plotWidth = Self.width - Self.plotLeft - Self.plotRight
        let legend = Self.legendLayout(drawn.map(\.name), width: plotWidth)
        let rows = (legend.map(\.row).max() ?? -1) + 1
        let height = Self.plotTop + Self.plotHeight + Self.axisRoom + Double(rows) * Self.legendRow + 6
        var svg = "<svg data-chart=\"\(name)\" viewBox=\"0 0 \(n(Self.width)) \(n(height))\" role=\"img\" aria-label=\"\(ReportText.escape(title))\">"
        let bottom = Self.plotTop + Self.plotHeight
        func px(_ value: Double) -> Double { Self.plotLeft + x.fraction(value) * plotWidth }
        func py(_ value: Double) -> Double { bottom - y.fraction(value) * Self.plotHeight }

        svg += "<rect class=\"frame\" x=\"\(n(Self.plotLeft))\" y=\"\(n(Self.plotTop))\" width=\"\(n(plotWidth))\" height=\"\(n(Self.plotHeight))\"/>"
        guard !drawn.isEmpty else {
            svg += "<text class=\"nodata\" x=\"\(n(Self.plotLeft + plotWidth / 2))\" y=\"\(n(Self.plotTop + Self.plotHeight / 2))\">no data</text></svg>"
            return svg
        }
        // Grid and tick labels.
        for tick in y.ticks {
            let at = py(tick.value)
            svg += "<line class=\"grid\" x1=\"\(n(Self.plotLeft))\" x2=\"\(n(Self.plotLeft + plotWidth))\" y1=\"\(n(at))\" y2=\"\(n(at))\"/>"
            svg += "<text class=\"ytick\" x=\"\(n(Self.plotLeft - 6))\" y=\"\(n(at + 4))\">\(ReportText.escape(tick.label))</text>"
        }
        for tick in x.ticks {
            let at = px(tick.value)
            svg += "<line class=\"grid\" x1=\"\(n(at))\" x2=\"\(n(at))\" y1=\"\(n(Self.plotTop))\" y2=\"\(n(bottom))\"/>"
            // The last label ends at its tick, so a long one ("99.999%") stays inside the picture.
            let anchor = at > Self.width - Self.plotRight - 20 ? " style=\"text-anchor:end\"" : ""
            svg += "<text class=\"xtick\" x=\"\(n(at))\" y=\"\(n(bottom + 16))\"\(anchor)>\(ReportText.escape(tick.label))</text>"
        }
        svg += "<text class=\"xtitle\" x=\"\(n(Self.plotLeft + plotWidth / 2))\" y=\"\(n(bottom + 34))\">\(ReportText.escape(x.title))</text>"
        svg += "<text class=\"ytitle\" transform=\"translate(14 \(n(Self.plotTop + Self.plotHeight / 2))) rotate(-90)\">\(ReportText.escape(y.title))</text>"
        // Stage marks, labelled only where the label has room.
        var lastLabel = -Double.infinity
        for marker in markers {
            let at = px(marker.x)
            svg += "<line class=\"mark\" x1=\"\(n(at))\" x2=\"\(n(at))\" y1=\"\(n(Self.plotTop))\" y2=\"\(n(bottom))\"/>"
            if at - lastLabel >= 52 {
                svg += "<text class=\"marklabel\" x=\"\(n(at + 3))\" y=\"\(n(Self.plotTop + 11))\">\(ReportText.escape(marker.label))</text>"
                lastLabel = at
            }
        }
        // The lines: one path each, "M x y x y ..." (pairs after M are line-tos), a new M per segment.
        for line in drawn {
            var d = ""
            for segment in line.segments where !segment.isEmpty {
                d += "M"
                for (index, point) in segment.enumerated() {
                    d += (index == 0 ? "" : " ") + n(px(point.x)) + " " + n(py(point.y))
                }
                if segment.count == 1 { d += "h1" }
            }
            let dash = line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\""
            svg += "<path d=\"\(d)\" stroke=\"\(line.colour)\"\(dash)><title>\(ReportText.escape(line.name))</title></path>"
        }
        // The legend, under the axis title.
        let legendTop = bottom + Self.axisRoom
        for (line, place) in zip(drawn, legend) {
            let left = Self.plotLeft + place.x
            let middle = legendTop + Double(place.row) * Self.legendRow + 9
            let dash = line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\""
            svg += "<line class=\"key\" x1=\"\(n(left))\" x2=\"\(n(left + 22))\" y1=\"\(n(middle))\" y2=\"\(n(middle))\" stroke=\"\(line.colour)\"\(dash)/>"
            svg += "<text class=\"legend\" x=\"\(n(left + 27))\" y=\"\(n(middle + 4))\">\(ReportText.escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    /// Where each legend entry goes: left to right, wrapping to a new row at `width`. Widths
    /// are estimated (12 px sans-serif is about 6.6 px a character), since no font is measured.
    static func legendLayout(_ names: [String], width: Double) -> [(x: Double, row: Int)] {
        var places: [(x: Double, row: Int)] = []
        var x = 0.0, row = 0
        for name in names {
            let entry = 27 + Double(name.count) * 6.6 + 18
            if x > 0, x + entry > width { x = 0; row += 1 }
            places.append((x, row))
            x += entry
        }
        return places
    }

    private func n(_ value: Double) -> String { ReportText.number(value) }
}
