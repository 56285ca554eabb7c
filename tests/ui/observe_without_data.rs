use flowppl::prelude::*;

model! {
    fn missing_data() {
        let mu = sample!("mu", Normal::new(0.0, 1.0));
        observe!("y", Normal::new(mu, 1.0));
    }
}

fn main() {}
