//! ODE solvers for the augmented state of a continuous flow, differentiated through their steps.

use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// `(dz/dt, dL/dt)`: one evaluation of the augmented dynamics.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::cnf::Stage;
/// use flowppl::transforms::OdeSolver;
/// # fn main() -> flowppl::Result<()> {
/// // dz/dt = -z, and dL/dt = z accumulates the integral of z.
/// fn decay(_t: f64, z: &Var<f64, Cpu>) -> flowppl::Result<Stage<f64, Cpu>> {
///     Ok((z.mul_scalar(-1.0), z.clone()))
/// }
/// let z = Var::from_rows(&Cpu::default(), &[[1.0]])?;
/// let end = OdeSolver::Rk4 { steps: 20 }.integrate(&mut decay, &z, 0.0, 1.0)?;
/// assert!((end.integral.to_vec()[0] - (1.0 - (-1f64).exp())).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
pub type Stage<E, D> = (Var<E, D>, Var<E, D>);

/// The augmented dynamics `(t, z) -> (dz/dt, dL/dt)`.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::cnf::Dynamics;
/// use flowppl::transforms::OdeSolver;
/// # fn main() -> flowppl::Result<()> {
/// // dz/dt = t, so z(2) = z(0) + 2 and the integral of dL/dt = 1 is 2.
/// let mut ramp = |t: f64, z: &Var<f64, Cpu>| Ok((Var::full(&z.device(), z.rows(), 1, t), Var::full(&z.device(), z.rows(), 1, 1.0)));
/// let dynamics: &mut Dynamics<'_, f64, Cpu> = &mut ramp;
/// let z = Var::from_rows(&Cpu::default(), &[[1.0], [3.0]])?;
/// let end = OdeSolver::Rk4 { steps: 2 }.integrate(dynamics, &z, 0.0, 2.0)?;
/// assert!(end.state.to_vec().iter().zip([3.0, 5.0]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(end.integral.to_vec().iter().all(|l| (l - 2.0).abs() < 1e-12));
/// # Ok(())
/// # }
/// ```
pub type Dynamics<'a, E, D> = dyn FnMut(f64, &Var<E, D>) -> Result<Stage<E, D>> + 'a;

/// How a continuous flow integrates `dz/dt = g(z, t)` together with `dL/dt = tr(dg/dz)`.
///
/// Gradients flow back through every operation of the accepted steps ("discretise, then
/// optimise"); the step sizes of the adaptive solver are chosen on values and held constant.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::OdeSolver;
/// # fn main() -> flowppl::Result<()> {
/// let z = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[1.0]])?;
/// let mut decay = |_t: f64, z: &Var<f64, Cpu>| Ok((z.mul_scalar(-1.0), z.clone()));
/// for solver in [OdeSolver::Rk4 { steps: 20 }, OdeSolver::parse("dopri5:1e-8")?] {
///     let end = solver.integrate(&mut decay, &z, 0.0, 1.0)?; // z(1) = e^-1
///     assert!((end.state.to_vec()[0] - (-1f64).exp()).abs() < 1e-6, "{solver:?}");
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OdeSolver {
    /// Classical fourth-order Runge-Kutta with `steps` equal steps (4 evaluations each).
    Rk4 {
        /// Steps over the integration interval.
        steps: usize,
    },
    /// Dormand-Prince 5(4) with error control (Dormand & Prince 1980; Hairer, Norsett & Wanner,
    /// *Solving ODEs I*, II.4-5): a step is accepted when the root-mean-square of
    /// `error / (absolute + relative * max(|y|, |y_new|))` over the batch is at most 1, and the
    /// next step is scaled by `0.9 * norm^(-1/5)`, kept within `[0.2, 10]`. 6 evaluations per
    /// step (the last stage is reused as the first of the next step).
    DormandPrince {
        /// Relative tolerance.
        relative: f64,
        /// Absolute tolerance.
        absolute: f64,
        /// Steps (accepted or rejected) before giving up with an error.
        max_steps: usize,
    },
}

impl Default for OdeSolver {
    fn default() -> Self {
        OdeSolver::Rk4 { steps: 10 }
    }
}

impl OdeSolver {
    /// `rk4:STEPS` or `dopri5:TOLERANCE` (relative and absolute).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::OdeSolver;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(OdeSolver::parse("rk4:8")?, OdeSolver::Rk4 { steps: 8 });
    /// let adaptive = OdeSolver::DormandPrince { relative: 1e-5, absolute: 1e-5, max_steps: 1000 };
    /// assert_eq!(OdeSolver::parse("dopri5:1e-5")?, adaptive);
    /// assert!(OdeSolver::parse("rk4:0").is_err());
    /// assert!(OdeSolver::parse("euler:3").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || Error::InvalidConfig {
            what: format!("ODE solver `{text}`"),
            message: "expected rk4:STEPS (for example rk4:10) or dopri5:TOLERANCE (dopri5:1e-5)"
                .into(),
        };
        let (kind, value) = text.split_once(':').ok_or_else(invalid)?;
        let solver = match kind {
            "rk4" => OdeSolver::Rk4 {
                steps: value.parse().map_err(|_| invalid())?,
            },
            "dopri5" => {
                let tolerance: f64 = value.parse().map_err(|_| invalid())?;
                OdeSolver::DormandPrince {
                    relative: tolerance,
                    absolute: tolerance,
                    max_steps: 1000,
                }
            }
            _ => return Err(invalid()),
        };
        solver.validate()?;
        Ok(solver)
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for zero steps or non-positive tolerances.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::OdeSolver;
    /// assert!(OdeSolver::default().validate().is_ok());
    /// assert!(OdeSolver::Rk4 { steps: 0 }.validate().is_err());
    /// let no_tolerance = OdeSolver::DormandPrince { relative: 0.0, absolute: 1e-6, max_steps: 100 };
    /// assert!(no_tolerance.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let valid = match *self {
            OdeSolver::Rk4 { steps } => steps > 0,
            OdeSolver::DormandPrince {
                relative,
                absolute,
                max_steps,
            } => relative > 0.0 && absolute > 0.0 && max_steps > 0,
        };
        if valid {
            Ok(())
        } else {
            Err(Error::InvalidConfig {
                what: format!("ODE solver {self:?}"),
                message: "needs at least one step and positive tolerances".into(),
            })
        }
    }

    /// Integrates from `start` to `end` (either order): `z(end)`, `L(end) - L(start)` and the
    /// number of evaluations of `dynamics`, which returns `(dz/dt, dL/dt)` at `(t, z)`.
    ///
    /// # Errors
    /// Errors of `dynamics`; [`Error::Numerical`] when the adaptive solver exceeds its steps or
    /// meets a non-finite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::OdeSolver;
    /// # fn main() -> flowppl::Result<()> {
    /// let solver = OdeSolver::DormandPrince { relative: 1e-9, absolute: 1e-9, max_steps: 1000 };
    /// let mut decay = |t: f64, z: &Var<f64, Cpu>| Ok((z.mul_scalar(-t), z.clone()));
    /// let z = Var::from_rows(&Cpu::default(), &[[0.8]])?;
    /// let forward = solver.integrate(&mut decay, &z, 0.0, 1.0)?; // z(t) = z(0) exp(-t^2 / 2)
    /// assert!((forward.state.to_vec()[0] - 0.8 * (-0.5f64).exp()).abs() < 1e-8);
    /// let back = solver.integrate(&mut decay, &forward.state, 1.0, 0.0)?; // either direction
    /// assert!((back.state.to_vec()[0] - 0.8).abs() < 1e-8);
    /// let tight = OdeSolver::DormandPrince { relative: 1e-12, absolute: 1e-12, max_steps: 2 };
    /// assert!(tight.integrate(&mut decay, &z, 0.0, 3.0).is_err()); // too few steps
    /// # Ok(())
    /// # }
    /// ```
    pub fn integrate<E: Real, D: Backend<E>>(
        &self,
        dynamics: &mut Dynamics<'_, E, D>,
        z: &Var<E, D>,
        start: f64,
        end: f64,
    ) -> Result<Solution<E, D>> {
        self.validate()?;
        match *self {
            OdeSolver::Rk4 { steps } => rk4(dynamics, z, start, end, steps),
            OdeSolver::DormandPrince {
                relative,
                absolute,
                max_steps,
            } => dormand_prince(dynamics, z, start, end, (relative, absolute), max_steps),
        }
    }
}

/// The end of an integration.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::cnf::Solution;
/// use flowppl::transforms::OdeSolver;
/// # fn main() -> flowppl::Result<()> {
/// let mut constant = |_t: f64, z: &Var<f64, Cpu>| Ok((Var::full(&z.device(), z.rows(), 1, 2.0), z.clone()));
/// let z = Var::from_rows(&Cpu::default(), &[[0.0]])?;
/// let end: Solution<f64, Cpu> = OdeSolver::Rk4 { steps: 5 }.integrate(&mut constant, &z, 0.0, 1.0)?;
/// assert!((end.state.to_vec()[0] - 2.0).abs() < 1e-12); // z = 2t
/// assert!((end.integral.to_vec()[0] - 1.0).abs() < 1e-12); // the integral of 2t over [0, 1]
/// assert_eq!(end.evaluations, 20);
/// # Ok(())
/// # }
/// ```
pub struct Solution<E: Real, D: Backend<E>> {
    /// `z` at the end time.
    pub state: Var<E, D>,
    /// `int_start^end dL/dt dt`, `(n, 1)`.
    pub integral: Var<E, D>,
    /// Evaluations of the dynamics.
    pub evaluations: usize,
}

/// `y + h * sum_i a_i k_i` over the stages with nonzero coefficients.
fn combine<E: Real, D: Backend<E>>(
    y: &Var<E, D>,
    h: f64,
    stages: &[&Var<E, D>],
    coefficients: &[f64],
) -> Result<Var<E, D>> {
    let mut total = y.clone();
    for (k, &a) in stages.iter().zip(coefficients) {
        if a != 0.0 {
            total = total.add(&k.mul_scalar(h * a))?;
        }
    }
    Ok(total)
}

fn rk4<E: Real, D: Backend<E>>(
    f: &mut Dynamics<'_, E, D>,
    z: &Var<E, D>,
    start: f64,
    end: f64,
    steps: usize,
) -> Result<Solution<E, D>> {
    let h = (end - start) / steps as f64;
    let mut state = z.clone();
    let mut integral: Option<Var<E, D>> = None;
    for step in 0..steps {
        let t = start + step as f64 * h;
        let (k1, l1) = f(t, &state)?;
        let (k2, l2) = f(t + h / 2.0, &combine(&state, h, &[&k1], &[0.5])?)?;
        let (k3, l3) = f(t + h / 2.0, &combine(&state, h, &[&k2], &[0.5])?)?;
        let (k4, l4) = f(t + h, &combine(&state, h, &[&k3], &[1.0])?)?;
        let weights = [1.0 / 6.0, 2.0 / 6.0, 2.0 / 6.0, 1.0 / 6.0];
        state = combine(&state, h, &[&k1, &k2, &k3, &k4], &weights)?;
        let increment = combine(&l1.mul_scalar(0.0), h, &[&l1, &l2, &l3, &l4], &weights)?;
        integral = Some(match integral {
            None => increment,
            Some(total) => total.add(&increment)?,
        });
    }
    Ok(Solution {
        state,
        integral: integral.unwrap_or_else(|| Var::zeros(&z.device(), z.rows(), 1)),
        evaluations: 4 * steps,
    })
}

/// Dormand-Prince 5(4) nodes, stage coefficients, fifth-order weights (equal to the last stage
/// row, which makes the method "first same as last") and error weights (fifth minus fourth).
const NODES: [f64; 7] = [0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0];
const STAGES: [&[f64]; 7] = [
    &[],
    &[0.2],
    &[3.0 / 40.0, 9.0 / 40.0],
    &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
    &[
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
    ],
    &[
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
    ],
    &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
const ERROR_WEIGHTS: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

fn dormand_prince<E: Real, D: Backend<E>>(
    f: &mut Dynamics<'_, E, D>,
    z: &Var<E, D>,
    start: f64,
    end: f64,
    (relative, absolute): (f64, f64),
    max_steps: usize,
) -> Result<Solution<E, D>> {
    let span = end - start;
    let direction = span.signum();
    let mut state = z.clone();
    let mut integral = Var::zeros(&z.device(), z.rows(), 1);
    let mut t = start;
    let mut first = f(t, &state)?;
    let mut evaluations = 1;
    let mut h = initial_step(&state, &first.0, span)?;
    let mut taken = 0;
    while (end - t) * direction > 1e-12 * span.abs().max(1.0) {
        taken += 1;
        if taken > max_steps {
            return Err(Error::Numerical {
                operation: "CNF Dormand-Prince solver",
                message: format!(
                    "more than {max_steps} steps between t = {start} and t = {end} (stuck at \
                     t = {t}, step {h:e}); loosen the tolerances or use rk4"
                ),
            });
        }
        if (t + h - end) * direction > 0.0 {
            h = end - t;
        }
        let mut ks: Vec<Var<E, D>> = vec![first.0.clone()];
        let mut ls: Vec<Var<E, D>> = vec![first.1.clone()];
        let mut last_stage = None;
        for stage in 1..7 {
            let coefficients = STAGES[stage];
            let k_refs: Vec<&Var<E, D>> = ks.iter().collect();
            let point = combine(&state, h, &k_refs, coefficients)?;
            let (k, l) = f(t + NODES[stage] * h, &point)?;
            evaluations += 1;
            if stage == 6 {
                let l_refs: Vec<&Var<E, D>> = ls.iter().collect();
                let next_integral = combine(&integral, h, &l_refs, coefficients)?;
                last_stage = Some((point, next_integral));
            }
            ks.push(k);
            ls.push(l);
        }
        let (next_state, next_integral) = last_stage.ok_or_else(|| Error::Numerical {
            operation: "CNF Dormand-Prince solver",
            message: "no final stage".into(),
        })?;
        let norm = error_norm(
            &[&state, &integral],
            &[&next_state, &next_integral],
            &[&ks, &ls],
            h,
            (relative, absolute),
        )?;
        if !norm.is_finite() {
            return Err(Error::Numerical {
                operation: "CNF Dormand-Prince solver",
                message: format!("non-finite error estimate at t = {t}"),
            });
        }
        if norm <= 1.0 {
            t += h;
            state = next_state;
            integral = next_integral;
            first = (ks.swap_remove(6), ls.swap_remove(6));
        }
        let factor = if norm == 0.0 {
            10.0
        } else {
            (0.9 * norm.powf(-0.2)).clamp(0.2, 10.0)
        };
        h *= factor;
    }
    Ok(Solution {
        state,
        integral,
        evaluations,
    })
}

/// A first step from `|y|` and `|dy/dt|` (Hairer, Norsett & Wanner's first guess):
/// `0.01 |y| / |f|`, within `[1e-6, 1] * |span|`.
fn initial_step<E: Real, D: Backend<E>>(y: &Var<E, D>, dy: &Var<E, D>, span: f64) -> Result<f64> {
    let rms = |v: &Var<E, D>| {
        let values = v.to_f64_vec();
        (values.iter().map(|x| x * x).sum::<f64>() / values.len().max(1) as f64).sqrt()
    };
    let (d0, d1) = (rms(y), rms(dy));
    let guess = if d0 < 1e-5 || d1 < 1e-5 {
        0.1 * span.abs()
    } else {
        0.01 * d0 / d1
    };
    Ok(guess.clamp(1e-6 * span.abs(), span.abs()) * span.signum())
}

/// The root-mean-square over every entry of every part of
/// `(h sum_i e_i k_i) / (absolute + relative max(|y|, |y_new|))`.
fn error_norm<E: Real, D: Backend<E>>(
    before: &[&Var<E, D>],
    after: &[&Var<E, D>],
    stages: &[&Vec<Var<E, D>>],
    h: f64,
    (relative, absolute): (f64, f64),
) -> Result<f64> {
    let mut total = 0.0;
    let mut count = 0usize;
    for ((y0, y1), ks) in before.iter().zip(after).zip(stages) {
        let (y0, y1) = (y0.to_f64_vec(), y1.to_f64_vec());
        let mut error = vec![0.0; y0.len()];
        for (k, &weight) in ks.iter().zip(&ERROR_WEIGHTS) {
            if weight != 0.0 {
                for (e, v) in error.iter_mut().zip(k.to_f64_vec()) {
                    *e += h * weight * v;
                }
            }
        }
        for ((e, a), b) in error.iter().zip(&y0).zip(&y1) {
            let scale = absolute + relative * a.abs().max(b.abs());
            total += (e / scale).powi(2);
            count += 1;
        }
    }
    Ok((total / count.max(1) as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;

    /// `dz/dt = -z t` (solution `z0 exp(-t^2/2)`) with `dL/dt = z`.
    fn decay(t: f64, z: &Var<f64, Cpu>) -> Result<(Var<f64, Cpu>, Var<f64, Cpu>)> {
        Ok((z.mul_scalar(-t), z.slice_columns(0, 1)?))
    }

    fn exact(z0: f64, t: f64) -> (f64, f64) {
        // int_0^t z0 exp(-s^2/2) ds = z0 sqrt(pi/2) erf(t / sqrt 2).
        // erf(t / sqrt 2) = 2 Phi(t) - 1.
        let erf = 2.0 * crate::backend::ops::special::standard_normal_cdf(t) - 1.0;
        let integral = z0 * (std::f64::consts::PI / 2.0).sqrt() * erf;
        (z0 * (-t * t / 2.0).exp(), integral)
    }

    #[test]
    fn both_solvers_reach_the_closed_form() {
        let dev = Cpu::default();
        let z = Var::from_rows(&dev, &[[1.5], [-0.5]]).unwrap();
        let solvers = [
            (OdeSolver::Rk4 { steps: 200 }, 1e-8),
            (
                OdeSolver::DormandPrince {
                    relative: 1e-8,
                    absolute: 1e-8,
                    max_steps: 1000,
                },
                1e-7,
            ),
        ];
        for (solver, tolerance) in solvers {
            let solution = solver.integrate(&mut decay, &z, 0.0, 2.0).unwrap();
            for (row, z0) in [1.5, -0.5].into_iter().enumerate() {
                let (state, integral) = exact(z0, 2.0);
                let got = solution.state.to_vec()[row];
                let got_integral = solution.integral.to_vec()[row];
                assert!(
                    (got - state).abs() < tolerance,
                    "{solver:?}: {got} vs {state}"
                );
                assert!(
                    (got_integral - integral).abs() < tolerance,
                    "{solver:?}: {got_integral} vs {integral}"
                );
            }
        }
    }

    #[test]
    fn rk4_is_fourth_order() {
        // Halving the step divides the global error by about 2^4 = 16.
        let dev = Cpu::default();
        let z = Var::from_rows(&dev, &[[1.5]]).unwrap();
        let error = |steps: usize| {
            let solution = OdeSolver::Rk4 { steps }
                .integrate(&mut decay, &z, 0.0, 2.0)
                .unwrap();
            (solution.state.to_vec()[0] - exact(1.5, 2.0).0).abs()
        };
        let ratio = error(20) / error(40);
        assert!((14.0..18.0).contains(&ratio), "error ratio {ratio}");
    }

    #[test]
    fn integrating_backwards_undoes_the_forward_solve() {
        let dev = Cpu::default();
        let z = Var::from_rows(&dev, &[[0.8]]).unwrap();
        let solver = OdeSolver::DormandPrince {
            relative: 1e-9,
            absolute: 1e-9,
            max_steps: 1000,
        };
        let forward = solver.integrate(&mut decay, &z, 0.0, 1.0).unwrap();
        let back = solver
            .integrate(&mut decay, &forward.state, 1.0, 0.0)
            .unwrap();
        assert!((back.state.to_vec()[0] - 0.8).abs() < 1e-8);
        assert!(back.evaluations > 6, "{}", back.evaluations);
    }

    #[test]
    fn the_adaptive_solver_takes_fewer_steps_at_looser_tolerances() {
        let dev = Cpu::default();
        let z = Var::from_rows(&dev, &[[1.0]]).unwrap();
        let count = |tolerance: f64| {
            OdeSolver::DormandPrince {
                relative: tolerance,
                absolute: tolerance,
                max_steps: 10_000,
            }
            .integrate(&mut decay, &z, 0.0, 3.0)
            .unwrap()
            .evaluations
        };
        assert!(count(1e-3) < count(1e-9));
    }

    #[test]
    fn too_few_steps_and_bad_settings_are_errors() {
        let dev = Cpu::default();
        let z = Var::from_rows(&dev, &[[1.0]]).unwrap();
        let solver = OdeSolver::DormandPrince {
            relative: 1e-12,
            absolute: 1e-12,
            max_steps: 2,
        };
        let Err(error) = solver.integrate(&mut decay, &z, 0.0, 3.0) else {
            panic!("two steps cannot reach t = 3 at tolerance 1e-12");
        };
        assert!(error.to_string().contains("more than 2 steps"), "{error}");
        assert!(OdeSolver::parse("rk4:0").is_err());
        assert!(OdeSolver::parse("euler:3").is_err());
        assert_eq!(
            OdeSolver::parse("rk4:8").unwrap(),
            OdeSolver::Rk4 { steps: 8 }
        );
    }
}
