//! Listing the queue (docs/jenkins-api.md §5).

use super::*;

const QUEUE_QUERY: &str = "items[id,why,inQueueSince,buildable,task[name]]";

async fn queue_answering(response: ResponseTemplate) -> Result<Vec<QueueEntry>, JenkinsError> {
    let (server, jenkins) = jenkins().await;
    authenticated("GET", "/queue/api/json")
        .and(query_param("tree", QUEUE_QUERY))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    jenkins.list_queue().await
}

#[tokio::test]
async fn listing_the_queue_reads_every_item_of_the_fixture() {
    let entries = queue_answering(json_body(fixture!("jenkins-rest-queue.json")))
        .await
        .unwrap();

    let expected = [
        QueueEntry {
            id: 7,
            why: Some("Waiting for next available executor".to_owned()),
            in_queue_since: 1_460_738_557_584,
            task_name: Some("chicken".to_owned()),
            buildable: true,
        },
        QueueEntry {
            id: 6,
            why: Some("Waiting for next available executor".to_owned()),
            in_queue_since: 1_460_738_551_155,
            task_name: Some("Freestyle".to_owned()),
            buildable: true,
        },
    ];
    assert_eq!(entries, expected);
}

#[tokio::test]
async fn a_queued_pipeline_block_keeps_its_why_with_curly_quotes_and_its_task_name() {
    let body = r#"{"_class":"hudson.model.Queue","items":[
        {"_class":"hudson.model.Queue$BuildableItem","buildable":true,"id":143,
         "inQueueSince":1700000000000,
         "task":{"_class":"org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask",
                 "name":"part of p #3"},
         "why":"There are no nodes with the label ‘\"my label\"&&linux’"},
        {"_class":"hudson.model.Queue$WaitingItem","id":144,"why":null}]}"#;

    let entries = queue_answering(json_body(body)).await.unwrap();

    assert_eq!(
        entries[0].why.as_deref(),
        Some("There are no nodes with the label ‘\"my label\"&&linux’")
    );
    assert_eq!(entries[0].task_name.as_deref(), Some("part of p #3"));
    let waiting = QueueEntry {
        id: 144,
        why: None,
        in_queue_since: 0,
        task_name: None,
        buildable: false,
    };
    assert_eq!(entries[1], waiting);
}

#[tokio::test]
async fn an_empty_queue_lists_no_items() {
    let body = r#"{"_class":"hudson.model.Queue","items":[]}"#;
    assert!(queue_answering(json_body(body)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_error_while_listing_the_queue_is_unavailable() {
    let error = queue_answering(ResponseTemplate::new(500))
        .await
        .unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn listing_the_queue_while_jenkins_is_unreachable_is_unavailable() {
    let jenkins = JenkinsHttp::new(&closed_port_url(), USER, Secret::new(TOKEN)).unwrap();

    let error = jenkins.list_queue().await.unwrap_err();

    assert!(matches!(error, JenkinsError::Unavailable(_)), "{error:?}");
}
