//! Black-box tests of the Jenkins stand-in: a real HTTP client against a started server.

mod auth;
mod binary;
mod computers;
mod controls;
mod create;
mod delete;
mod dispatch;
mod faults;
mod helpers;
mod jnlp;
mod listeners;
mod offline;
mod permissions;
mod queue;
mod queue_permissions;
mod race;
mod requests;
mod restart;
mod why;
