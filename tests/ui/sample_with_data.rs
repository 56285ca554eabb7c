use flowppl::prelude::*;

model! {
    fn confused(y: &[f64]) {
        sample!("y", Normal::new(0.0, 1.0), y);
    }
}

fn main() {}
