//! How the cost of an SVI step grows (issue #9, the book's performance chapter):
//!
//! - with the number of particles `S` (1 to 256), on eight schools (AutoNormal) and on the
//!   logistic regression of task T1 (5000 x 20, full batch): the work is `S` times the work
//!   of one particle, so the cost should grow at most linearly, with a floor of fixed
//!   per-step overhead at small `S`;
//! - with the number of data rows `N` (10^3 to 10^6) of a synthetic logistic regression
//!   (20 features), with the likelihood subsampled at a batch of 256 (`plate!(..., subsample
//!   = 256)` and `select_rows`): the cost should not depend on `N`; without subsampling
//!   (full batch, up to 10^5 rows) it grows linearly for comparison.
//!
//! ms per step is the suite's rule: steps 51..S of a run, timed from inside the loop.
//! Prints CSV; with `--plot DIR` also writes `DIR/scaling_particles.png` and
//! `DIR/scaling_data.png` (log-log; refuses to overwrite). `--quick` uses fewer steps.
//! Run with `cargo run --release -p flowppl-models --example scaling -- --plot book/src/figures`.

use flowppl::prelude::*;
use flowppl_models::line_chart::{write_log_log_chart, Series};
use flowppl_models::tasks::WARM_UP_STEPS;

// ANCHOR: subsampled
model! {
    /// Logistic regression whose likelihood plate is subsampled at `batch` rows per step.
    pub fn subsampled_logistic(x: &DataMatrix, y: &[f64], batch: usize) {
        let features = plate!("feature", x.columns());
        let w = sample!("w", Normal::new(0.0, 1.0), plate = features);
        let data = plate!("data", y.len(), subsample = batch);
        let logits = data.select_rows(&x)?.dot(&w)?;
        observe!("y", Bernoulli::new(logits), data.select(&y)?, plate = data);
    }
}
// ANCHOR_END: subsampled

/// Synthetic data: `rows x 20` standard normal features, labels from a fixed weight vector.
fn synthetic(rows: usize) -> Result<(DataMatrix, Vec<f64>)> {
    let mut rng = flowppl::backend::rng::seeded(7);
    let features = 20;
    let x = flowppl::backend::rng::standard_normals(&mut rng, rows * features);
    let w: Vec<f64> = (0..features).map(|j| ((j as f64) * 0.37).sin()).collect();
    let uniforms = flowppl::backend::rng::open_uniforms(&mut rng, rows);
    let y = (0..rows)
        .map(|i| {
            let logit: f64 = (0..features).map(|j| x[i * features + j] * w[j]).sum();
            if uniforms[i] < 1.0 / (1.0 + (-logit).exp()) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    Ok((DataMatrix::new(rows, features, x)?, y))
}

/// ms per step of steps `51..=steps` of one run, timed from inside the loop (`on_step`), so
/// that the set-up (for a million rows, converting the data) is left out exactly.
fn milliseconds<M: flowppl::ppl::Model<f32, Cpu>>(
    model: M,
    particles: usize,
    steps: usize,
) -> Result<f64> {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Instant;
    let marks: Rc<Cell<(Option<Instant>, Option<Instant>)>> = Rc::new(Cell::new((None, None)));
    let recorder = marks.clone();
    let warm_up = WARM_UP_STEPS;
    Svi::new(model, AutoNormal::new().with_init(InitStrategy::Feasible))
        .optimizer(Adam::new(0.01)?)
        .particles(particles)
        .steps(steps)
        .seed(0)
        .on_step(move |step, _| {
            let (start, _) = recorder.get();
            if step + 1 == warm_up {
                recorder.set((Some(Instant::now()), None));
            } else if step + 1 == steps {
                recorder.set((start, Some(Instant::now())));
            }
        })
        .run()?;
    match marks.get() {
        (Some(start), Some(end)) => {
            Ok(1e3 * (end - start).as_secs_f64() / (steps - warm_up) as f64)
        }
        _ => Err(flowppl::Error::InvalidConfig {
            what: format!("{steps} steps"),
            message: format!("need more than {warm_up} to time"),
        }),
    }
}

fn main() -> Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let quick = arguments.iter().any(|a| a == "--quick");
    let plot = arguments
        .iter()
        .position(|a| a == "--plot")
        .and_then(|i| arguments.get(i + 1).cloned());
    flowppl::backend::set_compute_threads(1)?;
    let steps = if quick { 100 } else { 550 };

    println!("sweep,model,x,ms_per_step");
    let y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    let sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
    let schools = || flowppl_models::zoo::eight_schools::eight_schools_noncentered(&y, &sigma);
    let logistic = flowppl_models::zoo::logistic::bundled()?;
    let particle_counts: Vec<usize> = (0..=8).map(|k| 1 << k).collect();
    let (mut schools_points, mut logistic_points) = (Vec::new(), Vec::new());
    for &particles in &particle_counts {
        let ms = milliseconds(schools(), particles, steps)?;
        println!("particles,eight_schools,{particles},{ms:.5}");
        schools_points.push((particles as f64, ms));
        // The full-batch T1 model at 256 particles is 1.3 million likelihood terms per step.
        let ms = milliseconds(logistic.clone(), particles, steps.min(250))?;
        println!("particles,logistic_5000,{particles},{ms:.5}");
        logistic_points.push((particles as f64, ms));
    }

    let (mut subsampled_points, mut full_points) = (Vec::new(), Vec::new());
    for exponent in 3..=6 {
        let rows = 10usize.pow(exponent);
        let (x, labels) = synthetic(rows)?;
        let ms = milliseconds(subsampled_logistic(&x, &labels, 256), 1, steps)?;
        println!("data,subsampled_256,{rows},{ms:.5}");
        subsampled_points.push((rows as f64, ms));
        if exponent <= 5 {
            let ms = milliseconds(subsampled_logistic(&x, &labels, rows), 1, steps.min(250))?;
            println!("data,full_batch,{rows},{ms:.5}");
            full_points.push((rows as f64, ms));
        }
    }

    if let Some(dir) = plot {
        let blue = [31, 119, 180];
        let orange = [230, 120, 20];
        write_log_log_chart(
            &format!("{dir}/scaling_particles.png"),
            &[
                Series {
                    colour: blue,
                    points: schools_points,
                },
                Series {
                    colour: orange,
                    points: logistic_points,
                },
            ],
        )?;
        write_log_log_chart(
            &format!("{dir}/scaling_data.png"),
            &[
                Series {
                    colour: blue,
                    points: subsampled_points,
                },
                Series {
                    colour: orange,
                    points: full_points,
                },
            ],
        )?;
    }
    Ok(())
}
