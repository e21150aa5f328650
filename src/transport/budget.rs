//! The retry budget: a token bucket shared by every request of a client, so
//! a failing gateway is not stormed with retries.

use std::sync::Mutex;

/// Token bucket of retries shared by every request of a client.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    capacity: f64,
    per_success: f64,
    tokens: Mutex<f64>,
}

impl RetryBudget {
    pub(crate) fn new(capacity: u32, per_success: f64) -> Self {
        Self {
            capacity: f64::from(capacity),
            per_success,
            tokens: Mutex::new(f64::from(capacity)),
        }
    }

    pub(crate) fn withdraw(&self) -> bool {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub(crate) fn deposit(&self) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        *tokens = (*tokens + self.per_success).min(self.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_spent_and_earned_back_by_successes() {
        let budget = RetryBudget::new(2, 0.5);
        assert!(budget.withdraw() && budget.withdraw());
        assert!(!budget.withdraw(), "empty");
        budget.deposit();
        assert!(!budget.withdraw(), "half a token is not a retry");
        budget.deposit();
        assert!(budget.withdraw());
        for _ in 0..10 {
            budget.deposit();
        }
        assert!(
            budget.withdraw() && budget.withdraw() && !budget.withdraw(),
            "capped"
        );
    }
}
