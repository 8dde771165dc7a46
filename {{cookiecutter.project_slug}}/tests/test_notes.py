import base64

import pytest
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.notes.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(user):
    return Note.objects.create(owner=user, title="Groceries", body="Milk")


@pytest.fixture
def other_client(make_user):
    other = APIClient()
    other.force_authenticate(make_user("bob"))
    return other


def test_notes_need_a_token(client):
    assert client.get("/api/notes/").status_code == 401


def test_create_sets_the_owner_from_the_token(auth_client, user):
    response = auth_client.post(
        "/api/notes/", {"title": "Plan", "body": "Ship it", "owner": "bob"}
    )
    assert response.status_code == 201
    assert response.json()["owner"] == user.pk
    assert Note.objects.get(pk=response.json()["id"]).owner == user


def test_title_is_required(auth_client):
    response = auth_client.post("/api/notes/", {"body": "no title"})
    assert response.status_code == 400
    assert "title" in response.json()["fields"]


def test_owner_can_read_update_and_delete(auth_client, note):
    url = f"/api/notes/{note.pk}/"
    assert auth_client.get(url).json()["title"] == "Groceries"
    assert auth_client.patch(url, {"title": "Shopping"}).status_code == 200
    assert auth_client.put(url, {"title": "Errands", "body": ""}).status_code == 200
    assert auth_client.delete(url).status_code == 204
    assert not Note.objects.filter(pk=note.pk).exists()


def test_other_users_get_404_for_every_action(other_client, note):
    url = f"/api/notes/{note.pk}/"
    assert other_client.get(url).status_code == 404
    assert other_client.patch(url, {"title": "Mine now"}).status_code == 404
    assert other_client.delete(url).status_code == 404
    note.refresh_from_db()
    assert note.title == "Groceries"


def test_list_shows_only_own_notes(other_client, note):
    response = other_client.get("/api/notes/")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_list_pages_newest_first_without_repeats(auth_client, user, settings):
    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    Note.objects.bulk_create(
        Note(owner=user, title=f"Note {number}") for number in range(page_size + 1)
    )
    first_page = auth_client.get("/api/notes/").json()
    assert len(first_page["results"]) == page_size
    assert "count" not in first_page  # no COUNT(*) over the table per page
    # A note added while the client pages does not shift the next page.
    auth_client.post("/api/notes/", {"title": "Newest"})
    second_page = auth_client.get(first_page["next"]).json()
    seen = [note["id"] for note in first_page["results"] + second_page["results"]]
    assert len(seen) == len(set(seen)) == page_size + 1
    assert second_page["next"] is None


def test_list_costs_two_queries(auth_client, user, django_assert_num_queries):
    Note.objects.bulk_create(Note(owner=user, title=f"Note {n}") for n in range(5))
    # The signed-in user's row, and one page of notes: no count, no join.
    with django_assert_num_queries(2):
        assert auth_client.get("/api/notes/").status_code == 200


@pytest.mark.parametrize(
    "position", ["p=notadate", "p=1", "r=1&p=x", "p=99999-01-01", "o=1&p=2025-13-40"]
)
def test_a_cursor_the_api_did_not_issue_is_a_404(auth_client, note, position):
    cursor = base64.b64encode(position.encode()).decode()
    response = auth_client.get("/api/notes/", {"cursor": cursor})
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Invalid cursor", "code": "not_found"}


def test_the_cursors_the_api_issues_still_work(auth_client, user):
    Note.objects.bulk_create(
        Note(owner=user, title=f"note {number}", body="") for number in range(25)
    )
    first = auth_client.get("/api/notes/").json()
    second = auth_client.get(first["next"])
    assert second.status_code == 200
    assert len(first["results"]) + len(second.json()["results"]) == 25
