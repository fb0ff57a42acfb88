//! A vector in shared chunks: cloning it copies one pointer per chunk, and
//! a write copies only the chunk it lands in (when another holder shares
//! it). The fact table is updated this way after every write, while
//! requests go on reading the version they hold.

use std::sync::Arc;

/// Values per chunk.
const CHUNK: usize = 4096;

/// A vector indexed from 0, in chunks of [`CHUNK`] values; every index not
/// set holds `T::default()`.
#[derive(Clone, Debug, Default)]
pub struct Chunks<T> {
    chunks: Vec<Arc<Vec<T>>>,
}

impl<T: Clone + Default> Chunks<T> {
    /// The value at `index` (the default beyond the end).
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK).map(|c| &c[index % CHUNK])
    }

    /// Sets the value at `index`, growing the vector as needed.
    pub fn set(&mut self, index: usize, value: T) {
        while self.chunks.len() <= index / CHUNK {
            self.chunks.push(Arc::new(vec![T::default(); CHUNK]));
        }
        Arc::make_mut(&mut self.chunks[index / CHUNK])[index % CHUNK] = value;
    }

    /// The chunks, in order: chunk `i` holds indexes `i * CHUNK ..`.
    pub fn chunks(&self) -> impl ExactSizeIterator<Item = &[T]> {
        self.chunks.iter().map(|chunk| chunk.as_slice())
    }

    /// Every value, with its index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.chunks().flatten().enumerate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_keeps_its_values_when_the_original_is_written() {
        let mut numbers = Chunks::<u32>::default();
        numbers.set(5, 50);
        numbers.set(CHUNK + 1, 7);
        let before = numbers.clone();
        numbers.set(5, 51);
        assert_eq!(before.get(5), Some(&50));
        assert_eq!(numbers.get(5), Some(&51));
        assert_eq!(numbers.get(CHUNK + 1), Some(&7));
        assert_eq!(numbers.get(3 * CHUNK), None);
        assert_eq!(numbers.iter().filter(|(_, n)| **n > 0).count(), 2);
    }
}
