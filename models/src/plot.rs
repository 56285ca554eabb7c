//! Side-by-side density heatmaps as PNG (no fonts, no plotting dependency beyond `png`).

use flowppl::{Error, Result};
use std::path::Path;

/// A square grid of `size x size` cells over `[low, high]^2`; cell `(row, column)` has
/// `x = column`, `y = size - 1 - row` (so up is +y).
///
/// # Examples
/// ```
/// use flowppl_models::plot::Grid;
/// let grid = Grid { size: 4, low: -2.0, high: 2.0 };
/// // The top-left cell is centred at (-1.5, 1.5); a point there is counted in cell 0.
/// assert_eq!(&grid.centres()[..2], &[-1.5, 1.5]);
/// assert_eq!(grid.histogram(&[-1.5, 1.5])[0], 1.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    /// Cells per side.
    pub size: usize,
    /// Lower bound of both axes.
    pub low: f64,
    /// Upper bound of both axes.
    pub high: f64,
}

impl Grid {
    /// Cell centres, row-major from the top-left, as `(x, y)` pairs flattened.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::plot::Grid;
    /// let grid = Grid { size: 2, low: 0.0, high: 2.0 };
    /// // Row-major from the top-left; up is +y.
    /// assert_eq!(grid.centres(), vec![0.5, 1.5, 1.5, 1.5, 0.5, 0.5, 1.5, 0.5]);
    /// ```
    pub fn centres(&self) -> Vec<f64> {
        let h = (self.high - self.low) / self.size as f64;
        (0..self.size * self.size)
            .flat_map(|k| {
                let (row, column) = (k / self.size, k % self.size);
                [
                    self.low + h * (column as f64 + 0.5),
                    self.low + h * ((self.size - 1 - row) as f64 + 0.5),
                ]
            })
            .collect()
    }

    /// Counts of `points` (flattened `(x, y)`) per cell, row-major like [`Grid::centres`].
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::plot::Grid;
    /// let grid = Grid { size: 2, low: 0.0, high: 2.0 };
    /// // Bottom-left, top-right (twice), and one point outside the grid.
    /// let points = [0.2, 0.2, 1.7, 1.9, 1.2, 1.1, 5.0, 5.0];
    /// assert_eq!(grid.histogram(&points), vec![0.0, 2.0, 1.0, 0.0]);
    /// ```
    pub fn histogram(&self, points: &[f64]) -> Vec<f64> {
        let mut counts = vec![0.0; self.size * self.size];
        let scale = self.size as f64 / (self.high - self.low);
        for p in points.chunks(2) {
            let column = ((p[0] - self.low) * scale).floor();
            let row_from_bottom = ((p[1] - self.low) * scale).floor();
            if column >= 0.0
                && row_from_bottom >= 0.0
                && (column as usize) < self.size
                && (row_from_bottom as usize) < self.size
            {
                counts[(self.size - 1 - row_from_bottom as usize) * self.size + column as usize] +=
                    1.0;
            }
        }
        counts
    }
}

/// Maps `t` in [0, 1] to a perceptually ordered colour (dark blue -> teal -> yellow).
fn colour(t: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [
        [0.05, 0.03, 0.2],
        [0.23, 0.32, 0.55],
        [0.13, 0.57, 0.55],
        [0.37, 0.79, 0.38],
        [0.99, 0.91, 0.14],
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let mix = |c: usize| ((STOPS[i][c] * (1.0 - f) + STOPS[i + 1][c] * f) * 255.0).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// Writes two heatmaps side by side (each scaled to its own maximum), separated by a white
/// column. Refuses to overwrite an existing file.
///
/// # Errors
/// [`Error::InvalidConfig`] when the file exists; [`Error::Io`] for write failures.
///
/// # Examples
/// ```
/// use flowppl_models::plot::write_side_by_side;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-side-{}.png", std::process::id()));
/// let path = path.to_str().unwrap();
/// write_side_by_side(path, 3, &[1.0; 9], &[0.5; 9])?;
/// let png = std::fs::read(path).unwrap();
/// // Two 3-pixel panels and a 4-pixel gap: the PNG header says 10 x 3.
/// assert_eq!((&png[16..20], &png[20..24]), (&10u32.to_be_bytes()[..], &3u32.to_be_bytes()[..]));
/// assert!(write_side_by_side(path, 3, &[1.0; 9], &[0.5; 9]).is_err()); // no overwriting
/// std::fs::remove_file(path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_side_by_side(path: &str, size: usize, left: &[f64], right: &[f64]) -> Result<()> {
    if Path::new(path).exists() {
        return Err(Error::InvalidConfig {
            what: format!("--plot {path}"),
            message: "the file exists; choose another name or remove it first".into(),
        });
    }
    let gap = 4;
    let width = 2 * size + gap;
    let normalise = |v: &[f64]| {
        let top = v
            .iter()
            .cloned()
            .filter(|x| x.is_finite())
            .fold(0.0f64, f64::max)
            .max(f64::MIN_POSITIVE);
        v.iter()
            .map(|x| if x.is_finite() { x / top } else { 0.0 })
            .collect::<Vec<f64>>()
    };
    let (left, right) = (normalise(left), normalise(right));
    let mut pixels = Vec::with_capacity(width * size * 3);
    for row in 0..size {
        for column in 0..width {
            let rgb = if column < size {
                colour(left[row * size + column])
            } else if column < size + gap {
                [255, 255, 255]
            } else {
                colour(right[row * size + column - size - gap])
            };
            pixels.extend_from_slice(&rgb);
        }
    }
    write_png(path, width, size, &pixels)
}

/// Writes RGB `pixels` (`width x height`, row-major) as a PNG.
pub(crate) fn write_png(path: &str, width: usize, height: usize, pixels: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_string(),
        source: e,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    writer
        .write_image_data(pixels)
        .map_err(|e| io(std::io::Error::other(e.to_string())))
}

/// Writes one panel per variable: the histogram of `first[k]` as filled grey bars and of
/// `second[k]` as a blue outline (observational vs interventional marginals), on a shared
/// range per variable. Refuses to overwrite an existing file.
///
/// # Errors
/// [`Error::InvalidConfig`] when the file exists or the columns disagree; [`Error::Io`].
///
/// # Examples
/// ```
/// use flowppl_models::plot::write_marginals;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-marg-{}.png", std::process::id()));
/// let path = path.to_str().unwrap();
/// let (observed, intervened) = (vec![vec![0.0, 1.0, 2.0]; 2], vec![vec![1.0, 2.0, 3.0]; 2]);
/// assert!(write_marginals(path, &observed, &intervened[..1]).is_err()); // columns disagree
/// write_marginals(path, &observed, &intervened)?;
/// let png = std::fs::read(path).unwrap();
/// // Two panels of 160 pixels plus a 6-pixel gap each, 120 high.
/// assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 2 * 166);
/// assert_eq!(u32::from_be_bytes([png[20], png[21], png[22], png[23]]), 120);
/// std::fs::remove_file(path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_marginals(path: &str, first: &[Vec<f64>], second: &[Vec<f64>]) -> Result<()> {
    if Path::new(path).exists() || first.len() != second.len() || first.is_empty() {
        return Err(Error::InvalidConfig {
            what: format!("--plot {path}"),
            message: "the file exists (choose another name), or there is nothing to plot".into(),
        });
    }
    let (panel_width, height, bins, gap) = (160usize, 120usize, 40usize, 6usize);
    let width = first.len() * (panel_width + gap);
    let mut pixels = vec![255u8; width * height * 3];
    for (k, (a, b)) in first.iter().zip(second).enumerate() {
        let finite = a.iter().chain(b).copied().filter(|v| v.is_finite());
        let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        let span = (high - low).max(1e-9);
        let histogram = |values: &[f64]| {
            let mut counts = vec![0.0; bins];
            for v in values.iter().filter(|v| v.is_finite()) {
                let bin = (((v - low) / span) * bins as f64).floor() as usize;
                counts[bin.min(bins - 1)] += 1.0 / values.len().max(1) as f64;
            }
            counts
        };
        let (ha, hb) = (histogram(a), histogram(b));
        let top = ha.iter().chain(&hb).cloned().fold(1e-12, f64::max);
        let bar = |h: f64| ((h / top) * (height - 2) as f64).round() as usize;
        let x0 = k * (panel_width + gap);
        let per_bin = panel_width / bins;
        let mut paint = |x: usize, y: usize, rgb: [u8; 3]| {
            let at = ((height - 1 - y) * width + x) * 3;
            pixels[at..at + 3].copy_from_slice(&rgb);
        };
        for bin in 0..bins {
            let (fill, outline) = (bar(ha[bin]), bar(hb[bin]));
            for dx in 0..per_bin {
                let x = x0 + bin * per_bin + dx;
                for y in 0..fill {
                    paint(x, y, [190, 190, 190]);
                }
                paint(x, outline.min(height - 1), [30, 80, 200]);
                paint(x, outline.saturating_sub(1).min(height - 1), [30, 80, 200]);
            }
        }
        for x in x0..x0 + panel_width {
            paint(x, 0, [0, 0, 0]);
        }
    }
    write_png(path, width, height, &pixels)
}

/// Writes `n` square grey images (`values`: `n * side^2` intensities in `[0, 1]`, row-major,
/// white = 1) as a grid of `columns` per row, each pixel drawn as a `scale x scale` block with a
/// 2-pixel gap. Refuses to overwrite an existing file.
///
/// # Errors
/// [`Error::InvalidConfig`] when the file exists or the sizes disagree; [`Error::Io`].
///
/// # Examples
/// ```
/// use flowppl_models::plot::write_image_grid;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-images-{}.png", std::process::id()));
/// let path = path.to_str().unwrap();
/// assert!(write_image_grid(path, &[0.5; 5], 2, 2).is_err()); // not whole 2 x 2 images
/// // Three 2 x 2 images, two per row: 2 rows of cells of 2 * 4 + 2 pixels, plus a 2-pixel rim.
/// write_image_grid(path, &[0.0, 1.0, 1.0, 0.0].repeat(3), 2, 2)?;
/// let png = std::fs::read(path).unwrap();
/// assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 22);
/// assert_eq!(u32::from_be_bytes([png[20], png[21], png[22], png[23]]), 22);
/// std::fs::remove_file(path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_image_grid(path: &str, values: &[f64], side: usize, columns: usize) -> Result<()> {
    let per_image = side * side;
    if Path::new(path).exists()
        || per_image == 0
        || values.is_empty()
        || !values.len().is_multiple_of(per_image)
    {
        return Err(Error::InvalidConfig {
            what: format!("--png {path}"),
            message: "the file exists (choose another name), or the images are not square".into(),
        });
    }
    let (count, scale, gap) = (values.len() / per_image, 4usize, 2usize);
    let columns = columns.clamp(1, count);
    let rows = count.div_ceil(columns);
    let cell = side * scale + gap;
    let (width, height) = (columns * cell + gap, rows * cell + gap);
    let mut pixels = vec![40u8; width * height * 3];
    for (k, image) in values.chunks(per_image).enumerate() {
        let (x0, y0) = (gap + (k % columns) * cell, gap + (k / columns) * cell);
        for (p, v) in image.iter().enumerate() {
            let grey = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            for dy in 0..scale {
                for dx in 0..scale {
                    let (x, y) = (x0 + (p % side) * scale + dx, y0 + (p / side) * scale + dy);
                    let at = (y * width + x) * 3;
                    pixels[at..at + 3].copy_from_slice(&[grey, grey, grey]);
                }
            }
        }
    }
    write_png(path, width, height, &pixels)
}
