use flowppl::prelude::*;

model! {
    fn twice() {
        let a = sample!("x", Normal::new(0.0, 1.0));
        let b = sample!("x", Normal::new(a, 1.0));
    }
}

fn main() {}
