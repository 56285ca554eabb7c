use flowppl::prelude::*;

model! {
    fn typo(y: &[f64]) {
        let data = plate!("data", y.len());
        let z = sample!("z", Normal::new(0.0, 1.0), plat = data);
    }
}

fn main() {}
