//! A TCP proxy in front of the database that a test can cut.
