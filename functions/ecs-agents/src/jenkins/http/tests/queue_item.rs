//! One queue item (docs/jenkins-api.md §5).

use super::*;

async fn queue_item_answering(body: &str) -> QueueItemState {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/item/143/api/json")
        .and(query_param("tree", "id,cancelled,inQueueSince"))
        .respond_with(json_body(body))
        .expect(1)
        .mount(&server)
        .await;
    jenkins.queue_item(143).await.unwrap()
}

#[tokio::test]
async fn a_cancelled_item_has_left_cancelled() {
    let state = queue_item_answering(fixture!("jenkins-rest-queueItemCancelled.json")).await;
    assert_eq!(state, QueueItemState::Left { cancelled: true });
}

#[tokio::test]
async fn a_started_item_has_left_not_cancelled() {
    let state = queue_item_answering(fixture!("jenkins-rest-queueItemRunning.json")).await;
    assert_eq!(state, QueueItemState::Left { cancelled: false });
}

/// `inQueueSince` of `jenkins-rest-queueItemPending.json`.
const PENDING_SINCE: u64 = 1_524_074_568_030;

#[tokio::test]
async fn a_blocked_item_is_queued_since_its_in_queue_since() {
    let state = queue_item_answering(fixture!("jenkins-rest-queueItemPending.json")).await;
    assert_eq!(
        state,
        QueueItemState::Queued {
            in_queue_since: PENDING_SINCE
        }
    );
}

#[tokio::test]
async fn a_waiting_item_is_queued() {
    let waiting =
        fixture!("jenkins-rest-queueItemPending.json").replace("$BlockedItem", "$WaitingItem");
    assert_eq!(
        queue_item_answering(&waiting).await,
        QueueItemState::Queued {
            in_queue_since: PENDING_SINCE
        }
    );
}

#[tokio::test]
async fn a_queued_item_without_in_queue_since_is_queued_since_zero() {
    let body = r#"{"_class":"hudson.model.Queue$BuildableItem","id":143}"#;
    assert_eq!(
        queue_item_answering(body).await,
        QueueItemState::Queued { in_queue_since: 0 }
    );
}

#[tokio::test]
async fn a_left_item_without_class_is_recognised_by_cancelled() {
    let state = queue_item_answering(r#"{"id":143,"cancelled":true}"#).await;
    assert_eq!(state, QueueItemState::Left { cancelled: true });
}

#[tokio::test]
async fn an_unknown_queue_item_is_gone() {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/item/7/api/json")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    assert_eq!(jenkins.queue_item(7).await.unwrap(), QueueItemState::Gone);
}
