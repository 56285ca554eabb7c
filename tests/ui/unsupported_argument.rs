use flowppl::prelude::*;

model! {
    fn strings(labels: &[String]) {
        sample!("z", Normal::new(0.0, 1.0));
    }
}

fn main() {}
