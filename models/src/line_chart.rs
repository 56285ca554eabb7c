//! Log-log line charts as PNG, for the scaling figures of the book: one polyline with square
//! markers per series, grid lines and tick labels at powers of ten (drawn with a built-in
//! 3 x 5 pixel digit font, so no font or plotting dependency is needed).

use crate::plot::write_png;
use flowppl::{Error, Result};
use std::path::Path;

/// One series: its colour and its `(x, y)` points (both positive).
///
/// # Examples
/// ```
/// use flowppl_models::line_chart::{write_log_log_chart, Series};
/// let series = Series { colour: [200, 30, 30], points: vec![(1.0, 0.02), (16.0, 0.05)] };
/// assert_eq!(series.points.len(), 2);
/// // A log-log chart has no place for a point at zero.
/// let at_zero = Series { points: vec![(0.0, 1.0)], ..series };
/// assert!(write_log_log_chart("never-written.png", &[at_zero]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Series {
    /// RGB colour.
    pub colour: [u8; 3],
    /// Points, in order of x.
    pub points: Vec<(f64, f64)>,
}

const WIDTH: usize = 640;
const HEIGHT: usize = 420;
const LEFT: usize = 70;
const RIGHT: usize = 20;
const TOP: usize = 20;
const BOTTOM: usize = 50;
const SCALE: usize = 2;

/// Glyphs of the tick labels, 3 x 5 pixels, rows top to bottom, bit 2 = left column.
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        'e' => [0, 7, 7, 4, 7],
        '-' => [0, 0, 7, 0, 0],
        '.' => [0, 0, 0, 0, 2],
        _ => return None,
    })
}

struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn set(&mut self, x: i64, y: i64, rgb: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < WIDTH && (y as usize) < HEIGHT {
            let k = 3 * (y as usize * WIDTH + x as usize);
            self.pixels[k..k + 3].copy_from_slice(&rgb);
        }
    }

    fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), rgb: [u8; 3], thick: i64) {
        let steps = ((x1 - x0).abs().max((y1 - y0).abs()).ceil() as usize).max(1);
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
            for dx in -thick / 2..=thick / 2 {
                for dy in -thick / 2..=thick / 2 {
                    self.set(x.round() as i64 + dx, y.round() as i64 + dy, rgb);
                }
            }
        }
    }

    fn text(&mut self, text: &str, x: i64, y: i64) {
        for (n, c) in text.chars().enumerate() {
            let Some(rows) = glyph(c) else { continue };
            for (r, bits) in rows.iter().enumerate() {
                for col in 0..3 {
                    if bits & (4 >> col) != 0 {
                        for dx in 0..SCALE {
                            for dy in 0..SCALE {
                                self.set(
                                    x + ((n * 4 + col) * SCALE + dx) as i64,
                                    y + (r * SCALE + dy) as i64,
                                    [40, 40, 40],
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `10^k` as a short label: `1`, `10`, `100`, `1000`, then `1e4`...; `1e-1`... below 1.
fn power_label(k: i32) -> String {
    match k {
        0..=3 => format!("{}", 10i64.pow(k as u32)),
        _ => format!("1e{k}"),
    }
}

/// Writes the series as a log-log chart to `path`, refusing to overwrite a file.
///
/// # Errors
/// [`Error::InvalidConfig`] when the file exists or a point is not positive and finite;
/// [`Error::Io`] for write failures.
///
/// # Examples
/// ```
/// use flowppl_models::line_chart::{write_log_log_chart, Series};
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-chart-{}.png", std::process::id()));
/// let path = path.to_str().unwrap();
/// let points = vec![(1.0, 0.02), (16.0, 0.05), (256.0, 0.4)];
/// write_log_log_chart(path, &[Series { colour: [200, 30, 30], points }])?;
/// let png = std::fs::read(path).unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 640); // width
/// assert!(write_log_log_chart(path, &[]).is_err()); // the file exists now
/// std::fs::remove_file(path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_log_log_chart(path: &str, series: &[Series]) -> Result<()> {
    if Path::new(path).exists() {
        return Err(Error::InvalidConfig {
            what: format!("chart {path}"),
            message: "the file exists; choose another name or remove it first".into(),
        });
    }
    let points: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.clone()).collect();
    if points.is_empty()
        || points
            .iter()
            .any(|&(x, y)| !(x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite()))
    {
        return Err(Error::InvalidConfig {
            what: format!("chart {path}"),
            message: "needs points with positive, finite coordinates".into(),
        });
    }
    let decade = |values: &mut dyn Iterator<Item = f64>| {
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v.log10()), h.max(v.log10()))
        });
        let (low, high) = (low.floor() as i32, high.ceil() as i32);
        (low, high.max(low + 1))
    };
    let (x_low, x_high) = decade(&mut points.iter().map(|p| p.0));
    let (y_low, y_high) = decade(&mut points.iter().map(|p| p.1));
    let plot_width = (WIDTH - LEFT - RIGHT) as f64;
    let plot_height = (HEIGHT - TOP - BOTTOM) as f64;
    let to_pixel = |(x, y): (f64, f64)| {
        let fx = (x.log10() - x_low as f64) / (x_high - x_low) as f64;
        let fy = (y.log10() - y_low as f64) / (y_high - y_low) as f64;
        (
            LEFT as f64 + fx * plot_width,
            TOP as f64 + (1.0 - fy) * plot_height,
        )
    };
    let mut canvas = Canvas {
        pixels: vec![255; WIDTH * HEIGHT * 3],
    };
    let grey = [215, 215, 215];
    for k in x_low..=x_high {
        let (x, _) = to_pixel((10f64.powi(k), 10f64.powi(y_low)));
        canvas.line((x, TOP as f64), (x, (HEIGHT - BOTTOM) as f64), grey, 1);
        let label = power_label(k);
        canvas.text(
            &label,
            x as i64 - (label.len() * 4 * SCALE / 2) as i64,
            (HEIGHT - BOTTOM + 8) as i64,
        );
    }
    for k in y_low..=y_high {
        let (_, y) = to_pixel((10f64.powi(x_low), 10f64.powi(k)));
        canvas.line((LEFT as f64, y), ((WIDTH - RIGHT) as f64, y), grey, 1);
        let label = power_label(k);
        canvas.text(
            &label,
            (LEFT - 8 - label.len() * 4 * SCALE) as i64,
            y as i64 - (5 * SCALE / 2) as i64,
        );
    }
    let black = [60, 60, 60];
    let corner = (LEFT as f64, (HEIGHT - BOTTOM) as f64);
    canvas.line(corner, ((WIDTH - RIGHT) as f64, corner.1), black, 1);
    canvas.line(corner, (LEFT as f64, TOP as f64), black, 1);
    for s in series {
        let pixels: Vec<(f64, f64)> = s.points.iter().map(|&p| to_pixel(p)).collect();
        for pair in pixels.windows(2) {
            canvas.line(pair[0], pair[1], s.colour, 2);
        }
        for &(x, y) in &pixels {
            for dx in -3..=3 {
                for dy in -3..=3 {
                    canvas.set(x.round() as i64 + dx, y.round() as i64 + dy, s.colour);
                }
            }
        }
    }
    write_png(path, WIDTH, HEIGHT, &canvas.pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_refusals() {
        assert_eq!(power_label(0), "1");
        assert_eq!(power_label(3), "1000");
        assert_eq!(power_label(6), "1e6");
        assert_eq!(power_label(-2), "1e-2");
        let dir = std::env::temp_dir().join(format!("flowppl-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chart.png");
        let path = path.to_str().unwrap();
        let _ = std::fs::remove_file(path);
        let series = [Series {
            colour: [200, 30, 30],
            points: vec![(1.0, 0.02), (16.0, 0.05), (256.0, 0.4)],
        }];
        write_log_log_chart(path, &series).unwrap();
        assert!(std::fs::metadata(path).unwrap().len() > 1000);
        // No overwriting, no non-positive points.
        assert!(write_log_log_chart(path, &series).is_err());
        let bad = [Series {
            colour: [0, 0, 0],
            points: vec![(0.0, 1.0)],
        }];
        assert!(write_log_log_chart(&format!("{path}.2"), &bad).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
