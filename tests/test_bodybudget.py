"""The run's budget of page bodies (citewatch.bodybudget): batches wait while earlier ones hold
their bodies, and go as soon as places are given back."""

from __future__ import annotations

import threading

from citewatch.bodybudget import BodyBudget


def reserve_in_thread(budget: BodyBudget, places: int):
    got = []
    thread = threading.Thread(target=lambda: got.append(budget.reserve(places)), daemon=True)
    thread.start()
    return thread, got


def test_a_batch_waits_while_the_earlier_ones_hold_their_bodies_and_goes_when_places_come_back():
    budget = BodyBudget(batches=2, batch_size=10)
    first, second = budget.reserve(10), budget.reserve(10)
    thread, got = reserve_in_thread(budget, 10)
    thread.join(0.2)
    assert thread.is_alive() and budget.held == 20  # full: the third batch waits
    first.release(4)  # four answers without a body (304s, known bytes)...
    thread.join(0.2)
    assert thread.is_alive()  # ...are not yet room for ten
    first.release(6)
    thread.join(5)
    assert not thread.is_alive() and got and budget.held == 20
    second.close()
    got[0].close()
    assert budget.held == 0


def test_places_are_given_back_once_whatever_is_released_after():
    budget = BodyBudget(batches=1, batch_size=5)
    reservation = budget.reserve(5)
    reservation.release(3)
    reservation.close()
    reservation.release()
    reservation.close()
    assert reservation.left == 0 and budget.held == 0


def test_a_larger_batch_makes_the_budget_room_for_as_many_batches_of_its_size():
    budget = BodyBudget(batches=2, batch_size=10)
    small = budget.reserve(5)
    thread, got = reserve_in_thread(budget, 50)  # the budget grows to two batches of its size
    thread.join(5)
    assert not thread.is_alive() and budget.held == 55 and budget.limit == 100
    small.close()
    got[0].close()
    assert budget.held == 0
