//! The agent showing the visitor around the demo: which page command runs, which failed,
//! and what the visitor does in the demo themself.

use super::{Conversation, Effect, Status};
use crate::texts;
use docent_protocol::{PageEvent, VisitorAction};

/// The agent is showing the visitor around the demo: which step, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct TourStep {
    pub step: usize,
    pub total: usize,
    pub doing: String,
}

impl Conversation {
    /// A page command started (`step` of `total`, both counted from 1).
    pub(super) fn command_started(
        &mut self,
        step: usize,
        total: usize,
        description: String,
    ) -> Vec<Effect> {
        self.tour = Some(TourStep {
            step,
            total,
            doing: description,
        });
        vec![]
    }

    /// No page command is left to run, or the visitor stopped the tour (`stopped`): the
    /// ones still queued are cancelled.
    pub(super) fn tour_over(&mut self, stopped: bool) -> Vec<Effect> {
        self.tour = None;
        if stopped {
            vec![Effect::CancelCommands]
        } else {
            vec![]
        }
    }

    /// One page command failed: the visitor is told in a sentence, the developer in the
    /// console, and the agent through an `iframe_event`; the conversation goes on.
    pub(super) fn command_failed(
        &mut self,
        action: Option<String>,
        selector: Option<String>,
        error: String,
    ) -> Vec<Effect> {
        self.notify(texts::fill(texts::T::DemoStepFailed, &[("error", &error)]));
        let warn = Effect::Warn(format!(
            "Docent: page command `{}` failed: {error}",
            action.as_deref().unwrap_or("?")
        ));
        let report = VisitorAction::PageEvent(PageEvent {
            event: "command_failed".into(),
            selector,
            url: None,
            action,
            error: Some(error),
        });
        match self.status {
            Status::Connected => vec![warn, Effect::Send(report)],
            _ => vec![warn],
        }
    }

    /// What the visitor does in the demo is analytics: worth sending, not queuing.
    pub(super) fn visitor_activity(&mut self, event: PageEvent) -> Vec<Effect> {
        match self.status {
            Status::Connected => vec![Effect::Send(VisitorAction::PageEvent(event))],
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::test_support::*;

    #[test]
    fn a_reply_runs_its_valid_commands_in_order_and_reports_the_refused_ones() {
        let mut c = connected();
        let navigate = PageCommand::Navigate {
            url: "/crm/deals.html".into(),
        };
        let click = PageCommand::Click {
            selector: "#deal-submit".into(),
        };
        let reply = AgentMessage {
            text: "Watch".into(),
            commands: vec![
                Ok(navigate.clone()),
                Err(CommandError {
                    action: Some("navigate".into()),
                    reason: "`javascript:` URLs are not allowed".into(),
                }),
                Ok(click.clone()),
            ],
            ..AgentMessage::default()
        };
        let effects = c.act(Event::Agent(AgentEvent::Message(reply)), 1.0);
        assert_eq!(
            effects.last(),
            Some(&Effect::RunCommands(vec![navigate, click]))
        );
        assert!(c.notice.as_ref().unwrap().text.contains("javascript:"));

        c.act(
            Event::CommandStarted {
                step: 1,
                total: 2,
                description: "Opening the deals page…".into(),
            },
            2.0,
        );
        assert_eq!(c.tour.as_ref().unwrap().doing, "Opening the deals page…");
        let failed = c.act(
            Event::CommandFailed {
                action: "click".into(),
                selector: Some("#deal-submit".into()),
                error: "nothing on the demo page matches `#deal-submit`".into(),
            },
            3.0,
        );
        assert!(
            matches!(&failed[1], Effect::Send(VisitorAction::PageEvent(e)) if e.selector.as_deref() == Some("#deal-submit"))
        );
        assert_eq!(c.act(Event::StopCommands, 4.0), [Effect::CancelCommands]);
        assert_eq!(c.tour, None);
        assert_eq!(c.status, Status::Connected, "the chat goes on");
    }

    #[test]
    fn visitor_activity_is_reported_only_while_connected() {
        let mut c = connected();
        let click = PageEvent {
            event: "click".into(),
            selector: Some("#a".into()),
            ..PageEvent::default()
        };
        assert_eq!(
            c.act(Event::VisitorActivity(click.clone()), 1.0),
            [Effect::Send(VisitorAction::PageEvent(click.clone()))]
        );
        c.act(Event::End, 2.0);
        assert_eq!(c.act(Event::VisitorActivity(click), 3.0), []);
    }
}
